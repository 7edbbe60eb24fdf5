// Shared helpers: the JSON API (same-origin cookie + CSRF header), DOM, dates, the buy dialog.
import { dateTime, lang, nt, number, t } from "./i18n.js";

export { dateTime, lang, nt, number, t };
const csrf = document.querySelector('meta[name="csrf-token"]')?.content;
export const market = document.querySelector('meta[name="market"]')?.content || "UK";
export const $ = (sel, root = document) => root.querySelector(sel);

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.detail || body?.title || t("HTTP {status}", { status }));
    this.status = status;
    this.code = body?.code;
  }
}

export async function api(path, { method = "GET", body, idem } = {}) {
  const headers = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (csrf && method !== "GET") headers["X-CSRF-Token"] = csrf;
  if (idem) headers["Idempotency-Key"] = idem;
  const r = await fetch(`/api/v1${path}`, {
    method, headers, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = r.status === 204 ? null : await r.json().catch(() => null);
  if (!r.ok) throw new ApiError(r.status, data);
  return data;
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

const dtf = dateTime({ dateStyle: "medium", timeStyle: "short" });
export function when(iso) {
  return el("time", { datetime: iso, text: iso ? dtf.format(new Date(iso)) : "" });
}

export function toast(text) {
  const t = $("#toast");
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, 4000);
}

// The words for the states and roles the API sends as codes (a show's status, a shop's
// verification, a market's phase, a role): shown in the page's language, the code unchanged.
const LABELS = {
  scheduled: t("scheduled"), live: t("live"), ended: t("ended"), cancelled: t("cancelled"),
  draft: t("draft"), active: t("active"), archived: t("archived"),
  pending: t("pending"), verified: t("verified"), rejected: t("rejected"),
  closed: t("closed"), pilot: t("pilot"), open: t("open"),
  buyer: t("buyer"), creator: t("creator"), seller: t("seller"), moderator: t("moderator"), admin: t("admin"),
  paid: t("paid"), shipped: t("shipped"), delivered: t("delivered"), refunded: t("refunded"),
  requested: t("requested"), approved: t("approved"), declined: t("declined"),
  pending_payment: t("awaiting payment"), completed: t("completed"), partially_refunded: t("partly refunded"),
  sold_out: t("sold out"), applied: t("applied"), failed: t("failed"),
};
export const label = (code) => LABELS[code] || code;

export const priceIn = (prices, m = market) => prices.find((p) => p.market === m);
// A shelf price as a buyer reads it: US prices exclude sales tax, which checkout adds.
export const shelf = (p) => (p.plus_tax ? t("{price} + tax", { price: p.formatted }) : p.formatted);
// An untracked variant (a gift card, say) is never sold out by stock.
export const inStock = (v) => Boolean(v) && (v.track_stock === false || v.available > 0);
export const stockText = (v) => (!v ? "" : v.track_stock === false ? t("In stock") : t("{v1} left", { v1: v.available }));
export const uid = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`);

const ADDRESS_FIELDS = ["name", "line1", "city", "postcode", "region"];

function fillAddress(form, a) {
  for (const k of ADDRESS_FIELDS) form.elements[k].value = (a && a[k]) || "";
}

// The buyer's saved addresses for this market, default first; the default fills the form.
async function offerSaved(form) {
  const row = $("#buy-saved-row");
  const saved = document.body.dataset.user
    ? (await api("/me/addresses").catch(() => [])).filter((s) => s.address.country === market)
    : [];
  row.hidden = !saved.length;
  const select = $("#buy-saved");
  select.replaceChildren(
    ...saved.map((s) => el("option", { value: s.id, text: `${s.address.name}, ${s.address.line1}, ${s.address.city}` })),
    el("option", { value: "", text: t("A new address") }));
  select.onchange = () => fillAddress(form, saved.find((s) => String(s.id) === select.value)?.address);
  if (saved.length && !form.elements.name.value) fillAddress(form, saved[0].address);
}

// What the buyer is about to pay: `price` is a price object, `quantity` how many.
function showTotal(summary) {
  const out = $("#buy-total");
  if (!summary?.price) { out.textContent = ""; return; }
  const { price, quantity = 1 } = summary;
  const total = quantity === 1 ? price.formatted : new Intl.NumberFormat(document.documentElement.lang, {
    style: "currency", currency: price.currency,
  }).format((price.amount * quantity) / 10 ** (price.currency === "IDR" ? 0 : 2));
  out.textContent = price.plus_tax
    ? t("{quantity} × {price} · Total {total} + tax", { quantity, price: price.formatted, total })
    : t("{quantity} × {price} · Total {total}", { quantity, price: price.formatted, total });
}

// The buy dialog: address + sandbox card; `place(address)` returns the order(s) to pay.
// `summary` ({price, quantity}) shows the price and total before anyone types an address.
export function buyDialog(what, place, summary) {
  const dialog = $("#buy-dialog");
  const form = $("#buy-form");
  const error = $("#buy-error");
  $("#buy-what").textContent = what;
  showTotal(summary);
  offerSaved(form);
  error.textContent = "";
  const placeKey = uid();
  const payKey = uid();
  dialog.showModal();
  $("#buy-cancel").onclick = () => dialog.close();
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    const f = new FormData(form);
    const address = {
      name: f.get("name"), line1: f.get("line1"), city: f.get("city"),
      postcode: f.get("postcode"), region: f.get("region") || null, country: market,
    };
    $("#buy-pay").disabled = true;
    try {
      const orders = await place(address, placeKey);
      for (const o of orders) {
        await api(`/orders/${o.id}/payments`, {
          method: "POST", idem: `${payKey}-${o.id}`,
          body: { card_number: String(f.get("card")).replace(/\s+/g, "") },
        });
      }
      if ($("#buy-save").checked && document.body.dataset.user) {
        await api("/me/addresses", { method: "POST", body: { address } }).catch(() => {});
      }
      dialog.close();
      toast(t("Paid! See your orders."));
      document.dispatchEvent(new CustomEvent("bought", { detail: orders }));
    } catch (e) {
      error.textContent = e.message;
    } finally {
      $("#buy-pay").disabled = false;
    }
  };
}

$("#logout")?.addEventListener("click", async () => {
  await api("/auth/logout", { method: "POST" }).catch(() => {});
  location.href = "/";
});
