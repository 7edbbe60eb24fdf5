// Page events for analytics: queued, sent in batches to the beacon (every few seconds, at 50
// events, and when the page is hidden). Each event carries its own id, so a batch sent twice
// (a retry after a network error) is counted once.
import { uid } from "./common.js";

const URL_ = "/api/v1/analytics/events";
const MAX = 50;
const EVERY_MS = 3000;
let queue = [];
let timer = null;

function viewerId() {
  try {
    let id = localStorage.getItem("liveshop.viewer");
    if (!id) {
      id = uid().replace(/[^A-Za-z0-9]/g, "").slice(0, 32);
      localStorage.setItem("liveshop.viewer", id);
    }
    return id;
  } catch {
    return undefined;
  }
}

const viewer = viewerId();

/** Record `kind` (impression, click, add_to_cart, checkout_start, follow, share,
 * support_contact) with ids such as {show_id, product_id, shop_id, market}. */
export function track(kind, fields = {}) {
  const event = { id: uid(), kind, at: Date.now(), ...fields };
  if (viewer) event.viewer = viewer;
  for (const [k, v] of Object.entries(event)) if (v === undefined || v === null) delete event[k];
  queue.push(event);
  if (queue.length >= MAX) flush();
  else if (!timer) timer = setTimeout(flush, EVERY_MS);
}

/** Count a product card's impression once, when at least half of it is on screen, and a
 * click on its links; `fields` names the product (and shop, market). Used by the Shop tab,
 * shop pages and anywhere else product cards are listed. */
const seenCards = new WeakSet();
const watcher = typeof IntersectionObserver === "function"
  ? new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      watcher.unobserve(entry.target);
      const fields = entry.target._trackFields;
      if (fields) track("impression", fields);
    }
  }, { threshold: 0.5 })
  : null;

export function trackCard(card, fields) {
  if (!card || seenCards.has(card)) return card;
  seenCards.add(card);
  card._trackFields = fields;
  if (watcher) watcher.observe(card);
  else track("impression", fields);
  for (const a of card.querySelectorAll("a")) a.addEventListener("click", () => track("click", fields));
  return card;
}

/** Send what is queued; `leaving` uses sendBeacon, which survives the page closing. */
export function flush(leaving = false) {
  clearTimeout(timer);
  timer = null;
  if (!queue.length) return;
  const batch = queue.splice(0, 500);
  const body = JSON.stringify({ events: batch });
  if (leaving && navigator.sendBeacon?.(URL_, new Blob([body], { type: "application/json" }))) return;
  fetch(URL_, { method: "POST", body, keepalive: true, headers: { "content-type": "application/json" } })
    .then((r) => { if (r.status >= 500 || r.status === 429) throw new Error(String(r.status)); })
    .catch(() => { queue = [...batch, ...queue].slice(0, 2000); if (!timer) timer = setTimeout(flush, EVERY_MS * 2); });
}

addEventListener("pagehide", () => flush(true));
document.addEventListener("visibilitychange", () => { if (document.hidden) flush(true); });
