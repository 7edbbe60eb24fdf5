// The live room: HLS video, the room WebSocket (chat, likes, viewers, pins, deals), buying.
import { $, api, buyDialog, el, inStock, market, priceIn, shelf, stockText, t, toast, label } from "./common.js";
import { auctionRoom } from "./room_auction.js";
import { giveawayRoom } from "./room_giveaway.js";
import { waitingRoom } from "./room_waiting.js";
import { track } from "./analytics_beacon.js";

const showId = $("#room").dataset.show;
// Who I am, to tell "you're leading" and "you won" from someone else's handle.
const me = { id: null, handle: null, market_code: market };
const promos = [auctionRoom({ showId, me, market }), giveawayRoom({ showId, me, market })];
// Who I am and the current auction/giveaway load after the room's own content.
let meLoaded;
const meReady = new Promise((resolve) => { meLoaded = resolve; });
const refreshPromos = () => meReady.then(() => promos.forEach((p) => p.refresh()));
const pins = new Map();
let deal = null;
let hls = null;
let lastSeq = 0;
let likes = 0;

// hls.js (vendored, ~600 KB) loads only when there is a stream to play.
let hlsLoading = null;
function loadHls() {
  if (window.Hls || !window.MediaSource) return Promise.resolve();
  hlsLoading ??= new Promise((resolve) => {
    const s = el("script", { src: "/static/vendor/hls.min.js" });
    s.onload = s.onerror = resolve;
    document.head.append(s);
  });
  return hlsLoading;
}

async function startVideo(url) {
  const video = $("#video");
  // A scheduled show has its waiting room instead of "video unavailable".
  $("#novideo").hidden = Boolean(url) || !$("#waiting").hidden;
  video.hidden = !url;
  if (!url || video.dataset.src === url) return;
  video.dataset.src = url;
  await loadHls();
  if (window.Hls?.isSupported()) {
    hls?.destroy();
    hls = new window.Hls({ lowLatencyMode: true, liveSyncDurationCount: 2 });
    hls.on(window.Hls.Events.ERROR, (_e, data) => {
      if (!data.fatal) return;
      // The playlist may not exist yet right after going live: retry from scratch.
      video.dataset.src = "";
      setTimeout(() => startVideo(url), 1500);
    });
    hls.loadSource(url);
    hls.attachMedia(video);
  } else {
    video.src = url;
  }
  video.play().catch(() => {});
}

const shown = new Set(); // products whose impression this page has counted

function pinCard(p) {
  const v = p.variants[0];
  const price = v && priceIn(v.prices);
  const buy = el("button", { type: "button", text: t("Buy"), disabled: !price || !inStock(v) || !document.body.dataset.user });
  const seen = { show_id: Number(showId), product_id: p.product_id }; // the show gives the market
  if (!shown.has(p.product_id)) { shown.add(p.product_id); track("impression", seen); }
  buy.addEventListener("click", () => { track("click", seen); track("add_to_cart", seen); });
  buy.addEventListener("click", () => buyDialog(p.title, (address, key) => { track("checkout_start", seen); return api("/orders/buy-now", {
    method: "POST", idem: key, body: { market, variant_id: v.id, quantity: 1, address, show_id: Number(showId) },
  }); }, { price, quantity: 1 }));
  return el("li", { class: "card pin", "data-product": p.product_id },
    el("img", { src: p.image || `/img/placeholder.svg?t=${encodeURIComponent(p.title.slice(0, 40))}`, alt: "", width: 72, height: 72 }),
    el("div", {},
      el("a", { href: `/products/${p.product_id}`, class: "title", text: p.title }),
      el("span", { class: "price", text: price ? shelf(price) : t("Not sold here") }),
      el("span", { class: "stock", text: v ? stockText(v) : t("{v1} left", { v1: 0 }) })),
    buy);
}

function renderPins() {
  const list = [...pins.values()];
  $("#pins").replaceChildren(...(list.length ? list.map(pinCard) : [el("li", { class: "muted", text: t("Nothing pinned yet.") })]));
}

function chatLine(c) {
  return el("li", { "data-id": c.id }, el("strong", { text: `${c.user.name}: ` }), c.text);
}

function setDeal(d) {
  if (d && d.status !== "scheduled" && d.status !== "open") d = null;
  deal = d;
  $("#deal").hidden = !d;
  if (!d) return;
  const price = priceIn(d.prices);
  $("#deal-title").textContent = d.title;
  $("#deal-price").textContent = price ? shelf(price) : "";
  $("#deal-regular").textContent = price?.regular_formatted || "";
  $("#deal-left").textContent = d.left;
  tick();
}

function tick() {
  if (!deal) return;
  const now = Date.now();
  const opens = Date.parse(deal.opens_at);
  const ends = Date.parse(deal.ends_at);
  const open = deal.status === "open" || (now >= opens && now < ends);
  const secs = Math.max(0, Math.ceil(((open ? ends : opens) - now) / 1000));
  const mm = String(Math.floor(secs / 60)).padStart(2, "0");
  const ss = String(secs % 60).padStart(2, "0");
  $("#deal-countdown").textContent = open ? t("Ends in {mm}:{ss}", { mm, ss }) : t("Starts in {mm}:{ss}", { mm, ss });
  // Outside the deal's markets there is nothing to buy: say so before anyone types an address.
  const sold = Boolean(priceIn(deal.prices));
  $("#deal-buy").disabled = !open || deal.left <= 0 || !document.body.dataset.user || !sold;
  $("#deal-buy").textContent = !sold ? t("Not sold in your market") : deal.left <= 0 ? t("Sold out") : t("Buy");
}
setInterval(tick, 500);

$("#deal-buy").addEventListener("click", () => {
  const d = deal;
  buyDialog(t("{title} (flash deal)", { title: d.title }), (address, key) => api(`/deals/${d.id}/buy`, {
    method: "POST", idem: key, body: { market, quantity: 1, address },
  }).then((r) => (Array.isArray(r) ? r : [r.order || r])), { price: priceIn(d.prices), quantity: 1 });
});

function setStatus(status) {
  $("#status").textContent = label(status);
  $("#status").classList.toggle("live", status === "live");
  $("#waiting").hidden = status !== "scheduled";
  waitingRoom(showId, status, Boolean(document.body.dataset.user)).catch(() => {});
}

const handlers = {
  snapshot({ state }) {
    $("#title").textContent = state.title;
    setStatus(state.status);
    likes = Math.max(likes, state.likes);
    $("#likes").textContent = likes;
    $("#viewers").textContent = state.viewers;
    pins.clear();
    for (const p of state.pins) pins.set(p.product_id, p);
    renderPins();
    $("#chat").replaceChildren(...state.chat.map(chatLine));
    startVideo(state.hls_url);
  },
  show_state(e) {
    setStatus(e.status);
    startVideo(e.hls_url);
    // Selling stops with the show (selling/show_end.py): deals end, auctions close.
    if (e.status === "ended") { setDeal(null); refreshPromos(); }
  },
  chat(e) { $("#chat").append(chatLine(e)); $("#chat").lastChild.scrollIntoView({ block: "nearest" }); },
  // Totals only grow; processes may publish theirs out of order, so keep the highest.
  like_count(e) { likes = Math.max(likes, e.count); $("#likes").textContent = likes; },
  viewers(e) { $("#viewers").textContent = e.count; },
  pin(e) { pins.set(e.product.product_id, e.product); renderPins(); },
  unpin(e) { pins.delete(e.product_id); renderPins(); },
  stock(e) {
    const p = pins.get(e.product_id);
    const v = p?.variants.find((x) => x.id === e.variant_id);
    if (v) { v.available = e.available; renderPins(); }
  },
  purchase(e) { toast(e.message); },
  moderation(e) { if (e.message_id) $(`#chat li[data-id="${e.message_id}"]`)?.remove(); },
  deal_scheduled(e) { setDeal(e.deal); },
  deal_opened(e) { setDeal(e.deal); },
  deal_stock(e) { if (deal?.id === e.deal_id) { deal.left = e.left; $("#deal-left").textContent = e.left; tick(); } },
  deal_sold_out(e) { if (deal?.id === e.deal_id) { deal.left = 0; tick(); } },
  deal_ended(e) { if (deal?.id === (e.deal_id ?? e.deal?.id)) setDeal(null); },
  error(e) { toast(e.message); },
};

let socket;
let backoff = 500;
function connect() {
  const proto = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${proto}://${location.host}/ws/shows/${showId}${lastSeq ? `?after=${lastSeq}` : ""}`);
  socket.onopen = () => { backoff = 500; };
  socket.onmessage = (m) => {
    const frame = JSON.parse(m.data);
    if (frame.seq) lastSeq = frame.seq;
    for (const e of frame.events || []) {
      handlers[e.type]?.(e);
      for (const p of promos) p.handlers[e.type]?.(e);
      // A snapshot means a fresh start (or too far behind): reread the auction and giveaway.
      if (e.type === "snapshot") { refreshPromos(); loadDeals(); }
    }
  };
  socket.onclose = () => { setTimeout(connect, backoff); backoff = Math.min(backoff * 2, 10000); };
}

async function loadMe() {
  if (!document.body.dataset.user) return;
  Object.assign(me, await api("/me").catch(() => ({})));
  for (const p of promos) p.render();
}

// Deals are not part of the room snapshot: read them whenever a snapshot (re)starts the room.
async function loadDeals() {
  const deals = await api(`/shows/${showId}/deals`).catch(() => []);
  const current = deals.filter((d) => d.status === "open" || d.status === "scheduled");
  setDeal(current[current.length - 1] || null);
}

async function load() {
  const room = await api(`/shows/${showId}/room`);
  handlers.snapshot({ state: room });
  await loadDeals();
  connect();
}

$("#chat-form")?.addEventListener("submit", (ev) => {
  ev.preventDefault();
  const input = $("#chat-text");
  const text = input.value.trim();
  if (!text || socket?.readyState !== WebSocket.OPEN) return;
  socket.send(JSON.stringify({ type: "chat", text }));
  input.value = "";
});
$("#like").addEventListener("click", () => socket?.readyState === WebSocket.OPEN && socket.send(JSON.stringify({ type: "like" })));
document.addEventListener("bought", (ev) => {
  const ids = ev.detail.map((o) => `#${o.id}`).join(", ");
  $("#bought").replaceChildren(t("Order {ids} paid. ", { ids }), el("a", { href: "/orders", text: t("See your orders") }));
  $("#bought").hidden = false;
});
load().finally(() => loadMe().finally(meLoaded));

// A signed-in viewer's visit credits the host with what they buy (affiliates).
if (document.body.dataset.user) api(`/shows/${showId}/visits`, { method: "POST" }).catch(() => {});
