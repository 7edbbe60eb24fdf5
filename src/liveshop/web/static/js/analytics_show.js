// The show report in the studio: figures, viewers and GMV over the show, the funnel; it polls
// every few seconds while the page is open, so a live show's figures keep moving.
import { $, api, el, t } from "./common.js";
import { bars, minorPerMajor, pct, table, timeChart } from "./analytics_charts.js";

const POLL_MS = 5000;
const root = $("#show-report");
const showId = root.dataset.show;

function money(m) {
  return m ? m.formatted : "—";
}

function minutes(s) {
  const m = Math.floor(s / 60);
  return t("{m} min {v2} s", { m, v2: Math.round(s % 60) });
}

function render(r) {
  $("#r-title").textContent = r.title || t("Show {show_id}", { show_id: r.show_id });
  $("#r-where").textContent = t("{market} · times in {timezone} · money in {currency}", { market: r.market, timezone: r.timezone, currency: r.currency });
  const figures = [
    [t("Peak concurrent viewers"), r.peak_viewers],
    [t("Average concurrent viewers"), r.avg_viewers],
    [t("Unique viewers"), r.unique_viewers],
    [t("Views"), r.views],
    [t("Average watch time"), minutes(r.avg_watch_seconds)],
    [t("Likes"), r.likes],
    [t("Chat messages"), r.chats],
    [t("Product impressions"), r.impressions],
    [t("Product clicks"), r.clicks],
    [t("Click-through rate"), pct(r.ctr)],
    [t("Click-to-order rate"), pct(r.click_to_order)],
    [t("Orders"), r.orders],
    [t("Units"), r.units],
    [t("GMV"), money(r.gmv) + (r.gmv_other.length ? ` (+ ${r.gmv_other.map(money).join(", ")})` : "")],
    [t("GMV per 1,000 views"), money(r.gmv_per_1000_views)],
    [t("Refunds"), `${r.refunds} (${money(r.refunded)})`],
    [t("New followers"), r.new_followers],
    [t("Shares"), r.shares],
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
        { label: t("Viewers (peak in the minute)"), values: r.timeline.map((p) => p.viewers), color: "#1a4d8f" },
        { label: t("GMV ({currency})", { currency: r.currency }), values: r.timeline.map((p) => p.gmv / exp), color: "#2a9d8f", scale: "money", bars: true, fill: "rgba(42,157,143,0.3)" },
      ],
      marks: r.marks.map((m) => ({ at: Date.parse(m.at) / 1000, label: m.kind })),
    });
  } else {
    chartBox.replaceChildren(el("p", { class: "muted", text: t("No viewers yet.") }));
  }
  $("#r-marks").replaceChildren(...r.marks.map((m) =>
    el("li", { text: `${m.local} — ${m.kind === "pin" ? "product pinned" : "deal opened"}${m.product_id ? ` (product ${m.product_id})` : ""}` })));
  $("#r-timeline").replaceChildren(table(t("Viewers and GMV by minute"), [t("Time"), t("Peak viewers"), t("Average viewers"), t("GMV ({currency} minor units)", { currency: r.currency })],
    r.timeline.map((p) => [p.local, p.viewers, p.watching, p.gmv])));
  const steps = r.funnel.map((s) => ({ label: s.step.replace("_", " "), value: s.count, note: s.rate === null ? "" : pct(s.rate) }));
  $("#r-funnel").replaceChildren(bars(steps, t("Funnel: views, product clicks, carts, checkouts, orders")));
  $("#r-funnel-table").replaceChildren(table(t("Funnel"), [t("Step"), t("Count"), t("Of the step before")],
    r.funnel.map((s) => [s.step.replace("_", " "), s.count, pct(s.rate)])));
  $("#r-updated").textContent = t("Updated {v1}", { v1: new Date(r.at).toLocaleTimeString(document.documentElement.lang) });
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
