// Creator and seller analytics: figures over a date range beside the period before, views and
// GMV by day, and the funnel. Every figure is in a table; the chart has one too.
import { $, api, el, t } from "./common.js";
import { currentShop } from "./seller_common.js";
import { bars, minorPerMajor, pct, table, timeChart } from "./analytics_charts.js";

const root = $("#range-report");
const scope = root?.dataset.scope; // "creator" or "shop" (absent on the admin page)
let shopId = null;

function iso(d) {
  return d.toISOString().slice(0, 10);
}

function path() {
  const params = new URLSearchParams({ start: $("#start").value, end: $("#end").value });
  const base = scope === "creator" ? "/analytics/creators/me" : `/analytics/shops/${shopId}`;
  return `${base}?${params}`;
}

const LABELS = {
  shows: "Shows", views: "Views", watch_hours: "Watch hours", likes: "Likes", chats: "Chat messages",
  impressions: "Product impressions", clicks: "Product clicks", carts: "Carts", checkouts: "Checkouts",
  orders: "Orders", gmv: "GMV", ctr: "Click-through rate", click_to_order: "Click-to-order rate",
};

function cell(name, v) {
  if (v === null || v === undefined) return "—";
  if (name === "gmv") return v.formatted;
  if (name === "ctr" || name === "click_to_order") return pct(v);
  return String(v);
}

export function renderRange(r, box = document) {
  $("#r-where", box).textContent = t("{market} · {start} to {end} · times in {timezone} · money in {currency}", { market: r.market, start: r.start, end: r.end, timezone: r.timezone, currency: r.currency });
  const names = Object.keys(LABELS).filter((n) => r.current[n] !== null && r.current[n] !== undefined);
  $("#r-figures", box).replaceChildren(table(
    t("This period ({start} to {end}) beside the one before ({previous_start} to {previous_end})", { start: r.start, end: r.end, previous_start: r.previous_start, previous_end: r.previous_end }),
    [t("Figure"), t("This period"), t("Period before")],
    names.map((n) => [LABELS[n], cell(n, r.current[n]), cell(n, r.previous[n])])));
  const xs = r.days.map((d) => Date.parse(`${d.day}T12:00:00Z`) / 1000);
  timeChart($("#r-chart", box), {
    xs,
    series: [
      { label: t("Views"), values: r.days.map((d) => d.views), color: "#1a4d8f" },
      { label: t("GMV ({currency})", { currency: r.currency }), values: r.days.map((d) => d.gmv / minorPerMajor(r.currency)), color: "#2a9d8f", scale: "money" },
    ],
  });
  $("#r-days", box).replaceChildren(table(t("By day"), [t("Day"), t("Views"), t("Orders"), t("GMV ({currency} minor units)", { currency: r.currency })],
    r.days.map((d) => [d.day, d.views, d.orders, d.gmv])));
  $("#r-funnel", box).replaceChildren(bars(r.funnel.map((s) => ({ label: s.step.replace("_", " "), value: s.count, note: s.rate === null ? "" : pct(s.rate) })), t("Funnel")));
  $("#r-funnel-table", box).replaceChildren(table(t("Funnel"), [t("Step"), t("Count"), t("Of the step before")],
    r.funnel.map((s) => [s.step.replace("_", " "), s.count, pct(s.rate)])));
}

async function load() {
  try {
    const r = await api(path());
    renderRange(r);
    $("#r-csv").href = `/api/v1${path()}&format=csv`;
    $("#r-error").textContent = "";
    root.dataset.loaded = "1";
  } catch (e) {
    $("#r-error").textContent = e.message;
  }
}

async function start() {
  const today = new Date();
  $("#end").value = iso(today);
  $("#start").value = iso(new Date(today.getTime() - 27 * 86400e3));
  if (scope === "shop") {
    const shop = await currentShop((s) => { shopId = s.id; load(); });
    if (!shop) return;
    shopId = shop.id;
  }
  $("#range-form").addEventListener("submit", (ev) => { ev.preventDefault(); load(); });
  load();
}

if (root) start();
