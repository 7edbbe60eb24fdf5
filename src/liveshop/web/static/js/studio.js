// The studio for one show: stream settings, pins, deals, auctions, giveaways, chat, metrics.
import { $, api, el, market, priceIn, stockText, t, toast, when, label } from "./common.js";
import { CURRENCY, toMinor } from "./room_money.js";
import { initMetrics } from "./studio_metrics.js";
import { initPromos } from "./studio_promos.js";
import { clearProblems, creatorZone, isoToZoned, showProblem, zonedToIso } from "./studio_util.js";

const showId = $("#studio").dataset.show;
const tz = creatorZone($("#studio").dataset.tz);
const pinned = new Set();
let products = [];
// Room events go to every panel that listens for their type.
const listeners = {};
const on = (map) => { for (const [type, fn] of Object.entries(map)) (listeners[type] ??= []).push(fn); };
let promos = null;

function renderProducts() {
  $("#products").replaceChildren(...products.map((p) => {
    const isPinned = pinned.has(p.id);
    const price = priceIn(p.variants[0]?.prices || []);
    return el("li", { class: "row" },
      el("span", { class: "grow", text: `${p.title} · ${price ? price.formatted : ""} · ${p.variants[0] ? stockText(p.variants[0]) : t("{v1} left", { v1: 0 })}` }),
      el("button", { type: "button", class: isPinned ? "secondary" : "", "aria-pressed": String(isPinned),
        text: isPinned ? t("Unpin {title}", { title: p.title }) : t("Pin {title}", { title: p.title }),
        onclick: async () => {
          try {
            if (isPinned) await api(`/shows/${showId}/pins/${p.id}`, { method: "DELETE" });
            else await api(`/shows/${showId}/pins`, { method: "POST", body: { product_id: p.id } });
            isPinned ? pinned.delete(p.id) : pinned.add(p.id);
            renderProducts();
          } catch (e) { toast(e.message); }
        } }));
  }));
  $("#deal-variant").replaceChildren(...products.flatMap((p) => p.variants.map((v) => el("option", { value: v.id, text: `${p.title}${v.option_values.length ? ` (${v.option_values.join(" / ")})` : ""}` }))));
}

async function loadDeals() {
  const deals = await api(`/shows/${showId}/deals`);
  $("#deals").replaceChildren(...deals.map((d) => el("li", {}, t("{title}: {status}, {left}/{stock} left, opens ", { title: d.title, status: label(d.status), left: d.left, stock: d.stock }), when(d.opens_at))));
}

function chatLine(c) {
  return el("li", { "data-id": c.id }, el("strong", { text: `${c.user.name}: ` }), c.text, " ",
    el("button", { type: "button", class: "small secondary", text: t("Delete"), "aria-label": t("Delete message from {name}", { name: c.user.name }),
      onclick: () => api(`/shows/${showId}/chat/${c.id}`, { method: "DELETE" }).catch((e) => toast(e.message)) }),
    el("button", { type: "button", class: "small secondary", text: t("Mute 10 min"), "aria-label": t("Mute {name}", { name: c.user.name }),
      onclick: () => api(`/shows/${showId}/mutes`, { method: "POST", body: { user_id: c.user.id, minutes: 10 } })
        .then(() => toast(`${c.user.name} muted`), (e) => toast(e.message)) }));
}

function connect() {
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/shows/${showId}`);
  ws.onmessage = (m) => {
    for (const e of JSON.parse(m.data).events || []) {
      if (e.type === "snapshot") {
        setStatus(e.state.status);
        $("#viewers").textContent = e.state.viewers;
        $("#chat").replaceChildren(...e.state.chat.map(chatLine));
        promos?.refresh();
      } else if (e.type === "chat") $("#chat").append(chatLine(e));
      else if (e.type === "show_state") setStatus(e.status);
      else if (e.type === "viewers") $("#viewers").textContent = e.count;
      else if (e.type === "moderation" && e.message_id) $(`#chat li[data-id="${e.message_id}"]`)?.remove();
      else if (e.type.startsWith("deal_")) loadDeals();
      for (const fn of listeners[e.type] || []) fn(e);
    }
    $("#chat-empty").hidden = $("#chat").children.length > 0;
  };
  ws.onclose = () => setTimeout(connect, 2000);
}

document.querySelectorAll("[data-copy]").forEach((b) => b.addEventListener("click", async () => {
  const value = $(`#${b.dataset.copy}`).value;
  try { await navigator.clipboard.writeText(value); toast(t("Copied")); } catch { toast(t("Copy failed: select the field and copy")); }
}));

const dealCurrency = CURRENCY[market];
$("#deal-currency").textContent = `(${dealCurrency})`;
$("#deal-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  const price = toMinor(f.get("price"), dealCurrency);
  if (price === null) { $("#deal-msg").textContent = t("Enter the deal price, e.g. 9.99."); return; }
  try {
    const d = await api(`/shows/${showId}/deals`, { method: "POST", body: {
      variant_id: Number(f.get("variant_id")), prices: { [market]: price },
      stock: Number(f.get("stock")), per_buyer_limit: Number(f.get("limit")),
      countdown_seconds: Number(f.get("countdown")), duration_seconds: Number(f.get("duration")),
    } });
    $("#deal-msg").textContent = t("Deal #{id} launched: opens in {v2} s.", { id: d.id, v2: f.get("countdown") });
    loadDeals();
  } catch (e) { $("#deal-msg").textContent = e.message; }
});

function setStatus(status) {
  $("#status").textContent = label(status);
  $("#status").classList.toggle("live", status === "live");
  $("#edit-panel").hidden = status !== "scheduled";
}

// --- editing or cancelling a scheduled show --------------------------------------------------

function fillEdit(show) {
  $("#e-title").value = show.title;
  $("#e-starts").value = isoToZoned(show.starts_at, tz);
  $("#e-cover").value = show.cover_url || "";
  $("#e-tz").textContent = t("In your time zone, {tz}.", { tz });
}

$("#edit-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const form = ev.target;
  clearProblems(form, $("#edit-error"));
  const f = new FormData(form);
  const body = { title: String(f.get("title")).trim(), starts_at: zonedToIso(String(f.get("starts_at")), tz) };
  if (!body.starts_at) { showProblem(form, $("#edit-error"), new Error("starts_at: Choose when the show starts.")); return; }
  const cover = String(f.get("cover_url")).trim();
  if (cover) body.cover_url = cover;
  try {
    const show = await api(`/shows/${showId}`, { method: "PATCH", body });
    $("#title").textContent = t("Studio · {title}", { title: show.title });
    fillEdit(show);
    $("#edit-msg").textContent = t("Saved.");
  } catch (e) {
    showProblem(form, $("#edit-error"), e);
  }
});

$("#cancel-show").addEventListener("click", () => { $("#cancel-confirm").hidden = false; $("#cancel-confirm").focus(); });
$("#cancel-confirm").addEventListener("click", async () => {
  try {
    const show = await api(`/shows/${showId}/cancel`, { method: "POST" });
    setStatus(show.status);
    toast(t("Show cancelled. Everyone who RSVP'd has been told."));
  } catch (e) {
    $("#edit-error").textContent = e.message;
  }
});

async function load() {
  on(initMetrics(showId));
  const [show, media, pins, markets] = await Promise.all([
    api(`/shows/${showId}`), api("/media/status"), api(`/shows/${showId}/pins`), api("/markets"),
  ]);
  $("#title").textContent = t("Studio · {title}", { title: show.title });
  setStatus(show.status);
  fillEdit(show);
  if (!media.available) { $("#media-note").hidden = false; $("#media-note").textContent = t("Video unavailable: {reason}", { reason: media.reason }); }
  api(`/shows/${showId}/ingest`).then((i) => { $("#rtmp").value = i.rtmp_url; $("#key").value = i.stream_key; }, (e) => toast(e.message));
  for (const p of pins) pinned.add(p.product_id);
  products = await Promise.all(show.product_ids.map((id) => api(`/products/${id}`)));
  renderProducts();
  promos = initPromos({ showId, show, products, markets });
  on(promos.handlers);
  promos.refresh();
  loadDeals();
  connect();
}
load();
