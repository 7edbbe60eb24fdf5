// Shared helpers: the JSON API (same-origin cookie + CSRF header), DOM, dates, the buy dialog.
const csrf = document.querySelector('meta[name="csrf-token"]')?.content;
export const market = document.querySelector('meta[name="market"]')?.content || "UK";
export const $ = (sel, root = document) => root.querySelector(sel);

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.detail || body?.title || `HTTP ${status}`);
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

const dtf = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
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

export const priceIn = (prices, m = market) => prices.find((p) => p.market === m);
// A shelf price as a buyer reads it: US prices exclude sales tax, which checkout adds.
export const shelf = (p) => (p.plus_tax ? `${p.formatted} + tax` : p.formatted);
export const uid = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`);

// The buy dialog: address + sandbox card; `place(address)` returns the order(s) to pay.
export function buyDialog(what, place) {
  const dialog = $("#buy-dialog");
  const form = $("#buy-form");
  const error = $("#buy-error");
  $("#buy-what").textContent = what;
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
      dialog.close();
      toast("Paid! See your orders.");
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
