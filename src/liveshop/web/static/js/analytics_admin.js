// Admin market analytics: the market's figures, hour-of-week heatmaps and the staffing planner.
// The planner asks the server (one model of Erlang C and coverage) each time a knob or a shift
// changes, then redraws the covered-versus-needed grid and its table.
import { $, api, el, t } from "./common.js";
import { gridTable, heatmap, table } from "./analytics_charts.js";
import { renderRange } from "./analytics_range.js";

const root = $("#admin-analytics");
const DAYS = [t("Monday"), t("Tuesday"), t("Wednesday"), t("Thursday"), t("Friday"), t("Saturday"), t("Sunday")];
const DAY_SETS = [["0-6", t("Every day")], ["0-4", t("Weekdays")], ["5-6", t("Weekend")],
  ...DAYS.map((d, i) => [String(i), d])];
let market = root.dataset.market;
let shifts = null; // [{role, days, start, hours, people}]
let timer = null;

const fmt1 = (v) => (Math.round(v * 10) / 10).toString();

function daysSpec(days) {
  const sorted = [...days].sort((a, b) => a - b);
  const contiguous = sorted.every((d, i) => i === 0 || d === sorted[i - 1] + 1);
  if (sorted.length > 1 && contiguous) return `${sorted[0]}-${sorted[sorted.length - 1]}`;
  return sorted.join(".");
}

async function loadFigures() {
  const end = new Date();
  const start = new Date(end.getTime() - 27 * 86400e3);
  const q = new URLSearchParams({ start: start.toISOString().slice(0, 10), end: end.toISOString().slice(0, 10) });
  const r = await api(`/analytics/markets/${market}?${q}`);
  renderRange(r, $("#market-figures"));
  $("#r-csv").href = `/api/v1/analytics/markets/${market}?${q}&format=csv`;
}

async function loadHeatmaps() {
  const hm = await api(`/analytics/markets/${market}/heatmap?weeks=8`);
  const box = $("#heatmaps");
  box.replaceChildren();
  for (const [key, title, f] of [
    ["viewers", t("Average viewers"), fmt1], ["orders", t("Orders"), fmt1],
    ["chats", t("Chat messages"), fmt1], ["support_contacts", t("Support contacts"), fmt1]]) {
    const caption = t("{title} per hour of the week (average of {weeks} weeks, {timezone})", { title, weeks: hm.weeks, timezone: hm.timezone });
    box.append(el("figure", { class: "hm", "data-metric": key },
      el("figcaption", { text: caption }),
      heatmap(hm[key], caption, { fmt: f }),
      el("details", {}, el("summary", { text: t("{title}: table", { title }) }), gridTable(hm[key], caption, f))));
  }
  $("#hm-csv").href = `/api/v1/analytics/markets/${market}/heatmap?format=csv`;
  root.dataset.heatmaps = "1";
}

function planQuery() {
  const q = new URLSearchParams();
  for (const name of ["chats_per_moderator_minute", "contacts_per_agent_hour", "service_level", "answer_seconds"]) {
    q.set(name, $(`#p-${name}`).value);
  }
  if (shifts !== null) {
    if (!shifts.length) q.append("shift", "");
    for (const s of shifts) q.append("shift", `${s.role},${daysSpec(s.days)},${s.start},${s.hours},${s.people}`);
  }
  return q;
}

function shiftRow(s, i) {
  const onChange = (field, parse) => (ev) => {
    shifts[i][field] = parse(ev.target.value);
    schedule();
  };
  const num = (field, min, max, label) => el("input", {
    type: "number", min, max, value: s[field], "aria-label": t("Shift {v1} {label}", { v1: i + 1, label }),
    "data-field": field, onchange: onChange(field, Number),
  });
  const role = el("select", { "aria-label": t("Shift {v1} role", { v1: i + 1 }), "data-field": "role", onchange: onChange("role", String) },
    el("option", { value: "agent", text: t("Support agents"), selected: s.role === "agent" }),
    el("option", { value: "moderator", text: t("Moderators"), selected: s.role === "moderator" }));
  const spec = daysSpec(s.days);
  const days = el("select", { "aria-label": t("Shift {v1} days", { v1: i + 1 }), "data-field": "days",
    onchange: (ev) => {
      const v = ev.target.value;
      shifts[i].days = v.includes("-") ? (() => { const [a, b] = v.split("-").map(Number); return Array.from({ length: b - a + 1 }, (_, k) => a + k); })() : v.split(".").map(Number);
      schedule();
    } },
  ...(DAY_SETS.some(([v]) => v === spec) ? [] : [el("option", { value: spec, text: spec.split(".").map((d) => DAYS[d]).join(", "), selected: true })]),
  ...DAY_SETS.map(([v, label]) => el("option", { value: v, text: label, selected: v === spec })));
  return el("tr", { "data-shift": i },
    el("td", {}, role), el("td", {}, days), el("td", {}, num("start", 0, 23, t("start hour"))),
    el("td", {}, num("hours", 1, 24, t("length in hours"))), el("td", {}, num("people", 1, 1000, t("people"))),
    el("td", {}, el("button", { type: "button", class: "secondary", text: t("Remove"),
      "aria-label": t("Remove shift {v1}", { v1: i + 1 }), onclick: () => { shifts.splice(i, 1); drawShifts(); schedule(); } })));
}

function drawShifts() {
  $("#shifts").replaceChildren(...shifts.map(shiftRow));
}

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(loadPlan, 250);
}

async function loadPlan() {
  let plan;
  try {
    plan = await api(`/analytics/markets/${market}/staffing?${planQuery()}`);
    $("#p-error").textContent = "";
  } catch (e) {
    $("#p-error").textContent = e.message;
    return;
  }
  if (shifts === null) {
    shifts = plan.shifts;
    drawShifts();
  }
  const grid = (f) => DAYS.map((_, d) => plan.hours.filter((h) => h.day === d).sort((a, b) => a.hour - b.hour).map(f));
  const status = grid((h) => h.status);
  const needAll = grid((h) => h.moderators_needed + h.agents_needed);
  const fig = $("#coverage");
  const caption = t("Covered against needed, {timezone}: {under_hours} understaffed hours, {over_hours} overstaffed", { timezone: plan.timezone, under_hours: plan.under_hours, over_hours: plan.over_hours });
  fig.replaceChildren(
    el("figcaption", { id: "coverage-cap", text: caption }),
    heatmap(needAll, caption, { cellClass: (d, h) => `st-${status[d][h]}`, fmt: (v) => `${v} needed` }),
    el("p", { class: "legend" }, el("span", { class: "key st-under", text: t("understaffed") }), " ",
      el("span", { class: "key st-over", text: t("more than needed") }), " ", el("span", { class: "key st-ok", text: t("as needed") })));
  const under = plan.hours.filter((h) => h.status === "under");
  $("#under-list").replaceChildren(...(under.length ? under.map((h) => el("li", {
    text: t("{v1} {v2}:00 — moderators {moderators}/{moderators_needed}, agents {agents}/{agents_needed}", { v1: DAYS[h.day], v2: String(h.hour).padStart(2, "0"), moderators: h.moderators, moderators_needed: h.moderators_needed, agents: h.agents, agents_needed: h.agents_needed }) }))
    : [el("li", { text: t("No understaffed hours.") })]));
  $("#plan-table").replaceChildren(table(t("Staff needed and covered, hour by hour"),
    [t("Day"), t("Hour"), t("Chats/min"), t("Contacts/h"), t("Moderators needed"), t("Moderators"), t("Agents needed"), t("Agents"), t("Status")],
    plan.hours.map((h) => [DAYS[h.day], `${String(h.hour).padStart(2, "0")}:00`, h.chats_per_minute, h.contacts_per_hour,
      h.moderators_needed, h.moderators, h.agents_needed, h.agents, h.status])));
  const q = planQuery();
  $("#plan-csv").href = `/api/v1/analytics/markets/${market}/staffing?${q}&format=csv`;
  $("#plan-ics").href = `/api/v1/analytics/markets/${market}/staffing?${q}&format=ics`;
  root.dataset.under = String(plan.under_hours);
  root.dataset.plan = String(Number(root.dataset.plan || 0) + 1);
}

async function loadAll() {
  try {
    await Promise.all([loadFigures(), loadHeatmaps(), loadPlan()]);
    $("#a-error").textContent = "";
  } catch (e) {
    $("#a-error").textContent = e.message;
  }
}

$("#market").addEventListener("change", (ev) => {
  market = ev.target.value;
  history.replaceState(null, "", `?market=${market}`);
  loadAll();
});
$("#planner-form").addEventListener("change", (ev) => { if (ev.target.closest(".knobs")) schedule(); });
$("#planner-form").addEventListener("submit", (ev) => { ev.preventDefault(); loadPlan(); });
$("#add-shift").addEventListener("click", () => {
  shifts.push({ role: "agent", days: [0, 1, 2, 3, 4], start: 9, hours: 8, people: 1 });
  drawShifts();
  schedule();
});
loadAll();
