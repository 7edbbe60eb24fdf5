// The show report in the studio: figures, viewers and GMV over the show, the funnel; it polls
// every few seconds while the page is open, so a live show's figures keep moving.
import { $, api, el } from "./common.js";
import { bars, minorPerMajor, pct, table, timeChart } from "./analytics_charts.js";

const POLL_MS = 5000;
const root = $("#show-report");
const showId = root.dataset.show;

function money(m) {
  return m ? m.formatted : "—";
}

function minutes(s) {
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s % 60)} s`;
}

function render(r) {
  $("#r-title").textContent = r.title || `Show ${r.show_id}`;
  $("#r-where").textContent = `${r.market} · times in ${r.timezone} · money in ${r.currency}`;
  const figures = [
    ["Peak concurrent viewers", r.peak_viewers],
    ["Average concurrent viewers", r.avg_viewers],
    ["Unique viewers", r.unique_viewers],
    ["Views", r.views],
    ["Average watch time", minutes(r.avg_watch_seconds)],
    ["Likes", r.likes],
    ["Chat messages", r.chats],
    ["Product impressions", r.impressions],
    ["Product clicks", r.clicks],
    ["Click-through rate", pct(r.ctr)],
    ["Click-to-order rate", pct(r.click_to_order)],
    ["Orders", r.orders],
    ["Units", r.units],
    ["GMV", money(r.gmv) + (r.gmv_other.length ? ` (+ ${r.gmv_other.map(money).join(", ")})` : "")],
    ["GMV per 1,000 views", money(r.gmv_per_1000_views)],
    ["Refunds", `${r.refunds} (${money(r.refunded)})`],
    ["New followers", r.new_followers],
    ["Shares", r.shares],
  ];
  $("#r-figures").replaceChildren(...figures.map(([k, v]) =>
    el("div", {}, el("dt", { text: k }), el("dd", { text: String(v) }))));
  const xs = r.timeline.map((p) => Date.parse(p.at) / 1000);
  const chartBox = $("#r-chart");
  if (xs.length) {
    const exp = minorPerMajor(r.currency);
    timeChart(chartBox, {
      xs,
      tz: r.timezone,
      series: [
        { label: "Viewers (peak in the minute)", values: r.timeline.map((p) => p.viewers), color: "#1a4d8f" },
        { label: `GMV (${r.currency})`, values: r.timeline.map((p) => p.gmv / exp), color: "#2a9d8f", scale: "money", bars: true, fill: "rgba(42,157,143,0.3)" },
      ],
      marks: r.marks.map((m) => ({ at: Date.parse(m.at) / 1000, label: m.kind })),
    });
  } else {
    chartBox.replaceChildren(el("p", { class: "muted", text: "No viewers yet." }));
  }
  $("#r-marks").replaceChildren(...r.marks.map((m) =>
    el("li", { text: `${m.local} — ${m.kind === "pin" ? "product pinned" : "deal opened"}${m.product_id ? ` (product ${m.product_id})` : ""}` })));
  $("#r-timeline").replaceChildren(table("Viewers and GMV by minute", ["Time", "Peak viewers", "Average viewers", `GMV (${r.currency} minor units)`],
    r.timeline.map((p) => [p.local, p.viewers, p.watching, p.gmv])));
  const steps = r.funnel.map((s) => ({ label: s.step.replace("_", " "), value: s.count, note: s.rate === null ? "" : pct(s.rate) }));
  $("#r-funnel").replaceChildren(bars(steps, "Funnel: views, product clicks, carts, checkouts, orders"));
  $("#r-funnel-table").replaceChildren(table("Funnel", ["Step", "Count", "Of the step before"],
    r.funnel.map((s) => [s.step.replace("_", " "), s.count, pct(s.rate)])));
  $("#r-updated").textContent = `Updated ${new Date(r.at).toLocaleTimeString(document.documentElement.lang)}`;
  root.dataset.loaded = "1";
}

async function load() {
  try {
    render(await api(`/analytics/shows/${showId}`));
    $("#r-error").textContent = "";
  } catch (e) {
    $("#r-error").textContent = e.message;
  }
}

load();
setInterval(() => { if (!document.hidden) load(); }, POLL_MS);
