// Charts for the analytics pages: uPlot for time series, inline SVG for heatmaps and bars.
// Every chart is paired with a table (the text alternative) that the page fills as well.
import uPlot from "/static/vendor/uPlot.esm.js";
import { el, t } from "./common.js";

const NS = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

/** A table: `headers` and `rows` of cells (text). */
export function table(caption, headers, rows) {
  return el("table", { class: "data" },
    el("caption", { text: caption }),
    el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, ...rows.map((r) => el("tr", {}, ...r.map((c, i) =>
      i === 0 ? el("th", { scope: "row", text: String(c) }) : el("td", { text: String(c) }))))));
}

/**
 * A time series in `box` (replacing what was there): `xs` in seconds since 1970, `series`
 * [{label, values, color, scale}], `marks` [{at (s), label}] drawn as dashed vertical lines.
 * Redrawing reuses the plot, so a studio polling every few seconds keeps its zoom.
 */
export function timeChart(box, { xs, series, marks = [], tz }) {
  const width = Math.max(280, box.clientWidth || 600);
  const data = [xs, ...series.map((s) => s.values)];
  if (box._plot && box._plot.series.length === series.length + 1) {
    box._marks = marks;
    box._plot.setData(data);
    return box._plot;
  }
  box.replaceChildren();
  box._marks = marks;
  const drawMarks = (u) => {
    const ctx = u.ctx;
    ctx.save();
    ctx.strokeStyle = "#b5179e";
    ctx.setLineDash([4, 4]);
    ctx.lineWidth = 1.5 * devicePixelRatio;
    for (const m of box._marks || []) {
      const x = u.valToPos(m.at, "x", true);
      if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
      ctx.beginPath();
      ctx.moveTo(x, u.bbox.top);
      ctx.lineTo(x, u.bbox.top + u.bbox.height);
      ctx.stroke();
    }
    ctx.restore();
  };
  const opts = {
    width,
    height: 260,
    tzDate: tz ? (ts) => uPlot.tzDate(new Date(ts * 1e3), tz) : undefined,
    scales: { x: { time: true }, y: { auto: true }, money: { auto: true } },
    axes: [
      {},
      { scale: "y", label: series[0]?.label },
      ...(series.some((s) => s.scale === "money")
        ? [{ scale: "money", side: 1, grid: { show: false }, label: series.find((s) => s.scale === "money").label }]
        : []),
    ],
    series: [{}, ...series.map((s) => ({
      label: s.label, stroke: s.color, width: 2, scale: s.scale || "y",
      fill: s.fill, paths: s.bars ? uPlot.paths.bars({ size: [0.6, 40] }) : undefined,
    }))],
    hooks: { draw: [drawMarks] },
  };
  const plot = new uPlot(opts, data, box);
  box._plot = plot;
  box.dataset.drawn = "1";
  return plot;
}

/** Horizontal bars (a funnel): `steps` [{label, value, note}]. */
export function bars(steps, title) {
  const top = Math.max(1, ...steps.map((s) => s.value));
  const row = 30;
  const w = 600;
  const label = 150;
  const root = svg("svg", {
    viewBox: `0 0 ${w} ${steps.length * row + 4}`, role: "img", class: "bars",
    "aria-label": title,
  });
  steps.forEach((s, i) => {
    const y = i * row + 2;
    const len = Math.max(2, ((w - label - 120) * s.value) / top);
    root.append(
      svg("text", { x: 0, y: y + 19, class: "bar-label" }, document.createTextNode(s.label)),
      svg("rect", { x: label, y: y + 4, width: len, height: row - 10, rx: 3, class: "bar" }),
      svg("text", { x: label + len + 6, y: y + 19, class: "bar-value" },
        document.createTextNode(`${s.value}${s.note ? ` (${s.note})` : ""}`)));
  });
  return root;
}

const DAY = [t("Mon"), t("Tue"), t("Wed"), t("Thu"), t("Fri"), t("Sat"), t("Sun")];

/**
 * A 7×24 grid as SVG: darker is more. `cellClass(d, h)` may add a class (understaffed hours).
 * `grid` is 7 rows of 24 numbers.
 */
export function heatmap(grid, title, { cellClass, fmt = (v) => v } = {}) {
  const cw = 26;
  const ch = 20;
  const left = 36;
  const topPad = 16;
  const top = Math.max(1e-9, ...grid.flat());
  const root = svg("svg", {
    viewBox: `0 0 ${left + cw * 24} ${topPad + ch * 7}`, role: "img", class: "heatmap",
    "aria-label": title,
  });
  for (let h = 0; h < 24; h += 3) {
    root.append(svg("text", { x: left + h * cw + 2, y: 11, class: "hm-axis" }, document.createTextNode(String(h).padStart(2, "0"))));
  }
  grid.forEach((day, d) => {
    root.append(svg("text", { x: 0, y: topPad + d * ch + 14, class: "hm-axis" }, document.createTextNode(DAY[d])));
    day.forEach((v, h) => {
      const share = v / top;
      const extra = cellClass ? cellClass(d, h) : "";
      const rect = svg("rect", {
        x: left + h * cw, y: topPad + d * ch, width: cw - 2, height: ch - 2, rx: 2,
        class: `hm-cell ${extra}`.trim(), "fill-opacity": (0.08 + 0.92 * share).toFixed(3),
        "data-day": d, "data-hour": h,
      });
      rect.append(svg("title", {}, document.createTextNode(`${DAY[d]} ${String(h).padStart(2, "0")}:00 — ${fmt(v)}`)));
      root.append(rect);
    });
  });
  return root;
}

/** The table alternative of a 7×24 grid: one row per day, one column per hour. */
export function gridTable(grid, caption, fmt = (v) => v) {
  const hours = Array.from({ length: 24 }, (_, h) => `${String(h).padStart(2, "0")}`);
  return table(caption, [t("Day"), ...hours], grid.map((day, d) => [DAY[d], ...day.map(fmt)]));
}

export const pct = (v) => (v === null || v === undefined ? "—" : `${(v * 100).toFixed(1)}%`);

const EXPONENT = { IDR: 0, JPY: 0, KRW: 0 };
/** Minor units in one major unit (100 for pence), for charting money in major units. */
export const minorPerMajor = (currency) => 10 ** (EXPONENT[currency] ?? 2);
