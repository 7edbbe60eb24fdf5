// Inline-SVG charts for the finance pages, each with a table that says the same in text.
import { el, t } from "./common.js";

const NS = "http://www.w3.org/2000/svg";
let seq = 0;

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

/** A table of label → formatted amount (the chart's text alternative, and the figures). */
export function figuresTable(caption, rows, headers = ["", t("Amount")]) {
  return el("table", { class: "figures" },
    el("caption", { class: "sr-only", text: caption }),
    el("thead", {}, el("tr", {}, el("th", { scope: "col", text: headers[0] }), el("th", { scope: "col", class: "num", text: headers[1] }))),
    el("tbody", {}, ...rows.map((r) => el("tr", { "data-key": r.key ?? r.label },
      el("th", { scope: "row", text: r.label }),
      el("td", { class: "num", "data-amount": r.value, text: r.formatted })))));
}

/**
 * Horizontal bars around a zero line (money in to the right, out to the left), as a figure
 * with its caption and the same figures as a table beneath.
 */
export function barChart(caption, rows) {
  const id = `chart-${++seq}`;
  const rowH = 26, labelW = 150, width = 520, pad = 8;
  const height = Math.max(1, rows.length) * rowH + pad * 2;
  const lo = Math.min(0, ...rows.map((r) => r.value));
  const hi = Math.max(0, ...rows.map((r) => r.value));
  const span = hi - lo || 1;
  const plotW = width - labelW - pad * 2;
  const x = (v) => labelW + pad + ((v - lo) / span) * plotW;
  const bars = rows.map((r, i) => {
    const y = pad + i * rowH;
    const x0 = x(Math.min(0, r.value)), x1 = x(Math.max(0, r.value));
    return svg("g", { class: "bar", "data-key": r.key ?? r.label, "data-value": String(r.value) },
      svg("text", { x: labelW - 4, y: y + rowH * 0.65, "text-anchor": "end", "font-size": "12" }, document.createTextNode(r.label)),
      svg("rect", { x: x0, y: y + 4, width: Math.max(1, x1 - x0), height: rowH - 8, fill: r.value < 0 ? "#b3261e" : "#1a4d8f" }),
      svg("title", {}, document.createTextNode(`${r.label}: ${r.formatted}`)));
  });
  const zero = svg("line", { x1: x(0), x2: x(0), y1: 0, y2: height, stroke: "#333", "stroke-width": "1" });
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": id }, ...bars, zero);
  return el("figure", { class: "chart" }, chart,
    el("figcaption", { id, text: caption }),
    figuresTable(caption, rows));
}

/** A budget burn-down: what is left after each day's awards, from the full budget to now. */
export function burnDown(caption, budget, days, fmt) {
  const id = `chart-${++seq}`;
  const width = 520, height = 160, pad = 24;
  const points = [{ day: "start", left: budget }, ...days];
  const x = (i) => pad + (i / Math.max(1, points.length - 1)) * (width - pad * 2);
  const y = (v) => pad + (1 - v / (budget || 1)) * (height - pad * 2);
  const pts = points.map((p, i) => `${x(i)},${y(p.left)}`).join(" ");
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": id },
    svg("line", { x1: pad, x2: width - pad, y1: y(0), y2: y(0), stroke: "#999" }),
    svg("polyline", { class: "burn", points: pts, fill: "none", stroke: "#1a4d8f", "stroke-width": "2", "data-left": String(points.at(-1).left) }),
    ...points.map((p, i) => svg("circle", { cx: x(i), cy: y(p.left), r: 3, fill: "#1a4d8f" }, svg("title", {}, document.createTextNode(t("{day}: {v2} left", { day: p.day, v2: fmt(p.left) }))))));
  return el("figure", { class: "chart" }, chart, el("figcaption", { id, text: caption }),
    figuresTable(caption, points.map((p) => ({ label: p.day, value: p.left, formatted: fmt(p.left) })), [t("Day"), t("Left")]));
}
