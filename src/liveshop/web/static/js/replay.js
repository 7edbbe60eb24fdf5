// A show's replay: the recorded HLS video and its product timestamps. Choosing a timestamp
// seeks the video there and shows that product's card; buying from here is attributed to the show.
import { $, api, buyDialog, el, inStock, market, priceIn, shelf, stockText, t, when } from "./common.js";
import { placeholder } from "./cards.js";

const showId = Number($("#replay").dataset.show);
const video = $("#video");
const products = new Map();
let pins = [];
let current = null;

// hls.js (vendored) loads only when there is a replay; browsers with native HLS skip it.
function loadHls() {
  if (window.Hls || !window.MediaSource) return Promise.resolve();
  return new Promise((resolve) => {
    const s = el("script", { src: "/static/vendor/hls.min.js" });
    s.onload = s.onerror = resolve;
    document.head.append(s);
  });
}

async function play(url) {
  video.hidden = false;
  await loadHls();
  if (window.Hls?.isSupported()) {
    const hls = new window.Hls();
    hls.on(window.Hls.Events.ERROR, (_e, data) => {
      if (data.fatal) noReplay(t("The replay could not be loaded. Try again later."));
    });
    hls.loadSource(url);
    hls.attachMedia(video);
  } else {
    video.src = url;
  }
}

function noReplay(text, link) {
  video.hidden = true;
  $("#noreplay-text").textContent = text;
  if (link) $("#noreplay").append(el("p", {}, link));
  $("#noreplay").hidden = false;
}

function clock(seconds) {
  const s = Math.floor(seconds);
  const hms = [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60];
  const [h, m, sec] = hms.map((n) => String(n).padStart(2, "0"));
  return hms[0] ? `${hms[0]}:${m}:${sec}` : `${Number(m)}:${sec}`;
}

function productCard(pin) {
  const p = products.get(pin.product_id);
  if (!p) return el("p", { class: "muted", text: t("This product is no longer available.") });
  const v = p.variants[0];
  const price = v && priceIn(v.prices);
  const loggedIn = Boolean(document.body.dataset.user);
  const buy = loggedIn
    ? el("button", { type: "button", id: "buy", text: t("Buy"), disabled: !price || !inStock(v) })
    : el("a", { href: `/login?next=${encodeURIComponent(location.pathname)}`, text: t("Log in to buy") });
  if (loggedIn) {
    buy.addEventListener("click", () => buyDialog(p.title, (address, key) => api("/orders/buy-now", {
      method: "POST", idem: key, body: { market, variant_id: v.id, quantity: 1, address, show_id: showId },
    }), { price, quantity: 1 }));
  }
  return el("div", { class: "card pin", "data-product": p.id },
    el("img", { src: p.images[0] || placeholder(p.title), alt: "", width: 72, height: 72 }),
    el("div", {},
      el("a", { href: `/products/${p.id}`, class: "title", text: p.title }),
      el("span", { class: price ? "price" : "muted", text: price ? shelf(price) : t("Not sold in your market") }),
      el("span", { class: "stock", text: stockText(v) })),
    buy);
}

function select(pin) {
  if (current === pin) return;
  current = pin;
  for (const b of document.querySelectorAll("#timestamps button")) {
    if (b.dataset.index === String(pins.indexOf(pin))) b.setAttribute("aria-current", "true");
    else b.removeAttribute("aria-current");
  }
  $("#product-card").replaceChildren(productCard(pin));
  $("#card-sec").hidden = false;
}

function seek(pin) {
  select(pin);
  const go = () => {
    video.currentTime = pin.offset_seconds;
    video.play().catch(() => {});
  };
  if (video.hidden) return;
  if (video.readyState >= 1) go();
  else video.addEventListener("loadedmetadata", go, { once: true });
}

// As the replay plays past a timestamp, its product becomes the featured one.
video.addEventListener("timeupdate", () => {
  const t = video.currentTime + 0.25;
  let at = null;
  for (const pin of pins) if (pin.offset_seconds <= t) at = pin;
  if (at) select(at);
});

document.addEventListener("bought", (e) => {
  const note = $("#bought");
  note.replaceChildren(t("Order #{v1} paid. ", { v1: e.detail.map((o) => o.id).join(", #") }), el("a", { href: "/orders", text: t("See your orders") }));
  note.hidden = false;
});

async function load() {
  const [show, playback] = await Promise.all([api(`/shows/${showId}`), api(`/shows/${showId}/playback`)]);
  document.title = t("Replay: {title} · Liveshop", { title: show.title });
  $("#title").textContent = show.title;
  const host = $("#host");
  host.href = `/creators/${show.host_id}`;
  host.textContent = `by ${show.host_name}`;
  host.hidden = false;
  if (playback.replay_url) {
    play(playback.replay_url);
  } else if (playback.status === "live") {
    $("#status").textContent = "live";
    noReplay(t("This show is live right now: the replay comes after it ends."), el("a", { href: `/shows/${showId}`, text: t("Watch it live") }));
  } else if (playback.status === "scheduled") {
    noReplay(t("No replay for this show yet: it has not started."), el("span", {}, t("It starts "), when(show.starts_at), ". ", el("a", { href: `/shows/${showId}`, text: t("Open the show") })));
  } else {
    noReplay(t("No replay for this show yet."));
  }
  pins = playback.pins.filter((p) => p.offset_seconds !== null);
  await Promise.all([...new Set(pins.map((p) => p.product_id))].map(async (pid) => {
    products.set(pid, await api(`/products/${pid}`).catch(() => null));
  }));
  $("#timestamps").replaceChildren(...(pins.length ? pins.map((pin, i) => {
    const title = products.get(pin.product_id)?.title || t("Product #{product_id}", { product_id: pin.product_id });
    return el("li", {},
      el("button", { type: "button", class: "ts", "data-index": i, "data-offset": pin.offset_seconds, onclick: () => seek(pin) },
        el("span", { class: "ts-time", text: clock(pin.offset_seconds) }), " ", el("span", { text: title })));
  }) : [el("li", { class: "muted", text: t("No products were pinned in this show.") })]));
}
load().catch((e) => { $("#r-error").textContent = e.message; });

// A signed-in viewer's visit credits the host with what they buy (affiliates).
if (document.body.dataset.user) api(`/shows/${showId}/visits`, { method: "POST" }).catch(() => {});
