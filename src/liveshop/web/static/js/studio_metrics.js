// The studio's live metrics: room events for viewers and likes, a poll for orders and GMV,
// and an inline-SVG sparkline of viewers over the last minutes.
import { $, api, t, nt } from "./common.js";

const WINDOW_MS = 10 * 60 * 1000;
const POLL_MS = 5000;
const NS = "http://www.w3.org/2000/svg";

function svg(tag, attrs) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

// Points for a step line of `samples` ([ms, count]) in a w×h box: the last WINDOW_MS, or
// since the first sample when that is more recent (so a fresh studio fills the box too).
export function sparkPoints(samples, now, w = 240, h = 48) {
  const top = Math.max(1, ...samples.map(([, v]) => v));
  const span = Math.max(1000, Math.min(WINDOW_MS, now - (samples[0]?.[0] ?? now)));
  const x = (t) => Math.max(0, w - ((now - t) / span) * w);
  const y = (v) => h - 2 - (v / top) * (h - 4);
  const pts = [];
  samples.forEach(([t, v], i) => {
    if (i > 0) pts.push([x(t), y(samples[i - 1][1])]);
    pts.push([x(t), y(v)]);
  });
  if (samples.length) pts.push([w, y(samples[samples.length - 1][1])]);
  return pts.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(" ");
}

export function initMetrics(showId) {
  const samples = [];
  let likes = 0;
  let peak = 0;

  function sample(count) {
    const now = Date.now();
    samples.push([now, count]);
    while (samples.length > 2 && samples[1][0] < now - WINDOW_MS) samples.shift();
    draw(now);
  }

  function draw(now) {
    const box = $("#m-spark");
    const pts = sparkPoints(samples, now);
    const low = Math.min(...samples.map(([, v]) => v));
    const high = Math.max(...samples.map(([, v]) => v));
    const first = pts.split(" ")[0]?.split(",")[0] ?? "0";
    box.replaceChildren(
      svg("polygon", { points: `${first},48 ${pts} 240,48`, fill: "#1a4d8f", "fill-opacity": "0.15", stroke: "none" }),
      svg("polyline", { points: pts, fill: "none", stroke: "#1a4d8f", "stroke-width": "2", "vector-effect": "non-scaling-stroke" }));
    const minutes = Math.max(1, Math.round(Math.min(WINDOW_MS, now - samples[0][0]) / 60000));
    $("#m-spark-cap").textContent =
      nt("Viewers over the last minute: between {low} and {high}, {now} now", "Viewers over the last {n} minutes: between {low} and {high}, {now} now", minutes, { low, high, now: samples[samples.length - 1][1] });
  }

  function viewers(now, newPeak, unique) {
    peak = Math.max(peak, newPeak ?? 0, now);
    $("#m-viewers").textContent = now;
    $("#m-peak").textContent = peak;
    if (unique !== undefined) $("#m-unique").textContent = Math.max(Number($("#m-unique").textContent) || 0, unique);
    sample(now);
  }

  function setLikes(n) { likes = Math.max(likes, n); $("#m-likes").textContent = likes; }

  function render(m) {
    viewers(m.viewers.now, m.viewers.peak, m.viewers.unique);
    setLikes(m.likes);
    $("#m-orders").textContent = m.orders === m.paid_orders ? String(m.orders) : t("{orders} ({paid_orders} paid)", { orders: m.orders, paid_orders: m.paid_orders });
    $("#m-gmv").textContent = m.gmv.length ? m.gmv.map((g) => g.gmv.formatted).join(" · ") : "—";
    $("#m-note").textContent = t("Orders count every order placed from this show except cancelled ones; GMV is their totals.");
  }

  async function poll() {
    try {
      render(await api(`/shows/${showId}/metrics`));
    } catch (e) {
      $("#m-note").textContent = t("Metrics unavailable: {message}", { message: e.message });
    }
  }
  let soon = null;
  const pollSoon = () => { clearTimeout(soon); soon = setTimeout(poll, 400); };
  poll();
  setInterval(poll, POLL_MS);

  return {
    snapshot(e) { viewers(e.state.viewers, e.state.peak_viewers, e.state.unique_viewers); setLikes(e.state.likes); },
    viewers(e) { viewers(e.count, e.peak, e.unique); },
    like_count(e) { setLikes(e.count); },
    purchase: pollSoon,
    deal_stock: pollSoon,
    auction_ended: pollSoon,
  };
}
