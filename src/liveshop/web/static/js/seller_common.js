// Shared by the seller center pages: which shop is being managed, and money typed as decimals.
import { $, api, el, t } from "./common.js";

const KEY = "liveshop.seller.shop";

/** Remember the shop the seller works on (across pages and visits). */
export function rememberShop(id) {
  try { localStorage.setItem(KEY, String(id)); } catch { /* private mode: fine, just not kept */ }
}

/** The shop to show: ?shop= first, then the remembered one, then the first of `shops`. */
export function chooseShop(shops) {
  let wanted = new URLSearchParams(location.search).get("shop");
  if (!wanted) {
    try { wanted = localStorage.getItem(KEY); } catch { wanted = null; }
  }
  return shops.find((s) => String(s.id) === wanted) || shops[0] || null;
}

/**
 * Load the caller's shops and fill `#shop-pick`: a picker when there are several, the name when
 * there is one, a "create your shop" hint when there are none. `onChange(shop)` runs on a switch.
 */
export async function currentShop(onChange, { emptyHint = true } = {}) {
  const box = $("#shop-pick");
  const shops = await api("/me/shops");
  if (!shops.length) {
    if (emptyHint && box) {
      box.replaceChildren(el("p", { class: "note" }, t("You have no shop yet. "),
        el("a", { href: "/seller/shop", text: t("Create your shop") }), t(" to start selling.")));
    }
    return null;
  }
  let shop = chooseShop(shops);
  rememberShop(shop.id);
  if (box && shops.length > 1) {
    const select = el("select", { id: "shop" },
      ...shops.map((s) => el("option", { value: s.id, text: s.name, selected: s.id === shop.id })));
    select.addEventListener("change", () => {
      shop = shops.find((s) => String(s.id) === select.value);
      rememberShop(shop.id);
      onChange?.(shop);
    });
    box.replaceChildren(el("label", { for: "shop", text: t("Shop") }), select);
  } else if (box) {
    box.replaceChildren(el("p", { class: "muted" }, t("Shop: "), el("strong", { text: shop.name })));
  }
  return shop;
}

let marketsCache = null;
/** Every market (code, name, currency, enabled, ...), fetched once per page. */
export async function markets() {
  marketsCache ??= api("/markets");
  return marketsCache;
}

/** Digits after the decimal point for a currency (IDR is whole rupiah, as on the server). */
export function exponent(currency) {
  if (currency === "IDR") return 0;
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits;
  } catch { return 2; }
}

/** "19.99" (or "19,99") in `currency` -> 1999 minor units; throws with a readable message. */
export function toMinor(text, currency) {
  const exp = exponent(currency);
  const s = String(text).trim().replace(",", ".");
  const re = exp ? new RegExp(`^\\d{1,10}(\\.\\d{1,${exp}})?$`) : /^\d{1,12}$/;
  if (!re.test(s)) {
    throw new Error(exp ? t("\"{text}\" is not an amount in {currency} (like 19.99).", { text, currency })
      : t("\"{text}\" is not a whole amount in {currency}.", { text, currency }));
  }
  const [whole, frac = ""] = s.split(".");
  return Number(whole) * 10 ** exp + Number(frac.padEnd(exp, "0") || 0);
}

/** 1999 minor units -> "19.99" for an input box. */
export function fromMinor(amount, currency) {
  const exp = exponent(currency);
  if (!exp) return String(amount);
  const s = String(amount).padStart(exp + 1, "0");
  return `${s.slice(0, -exp)}.${s.slice(-exp)}`;
}

/** Show an API or validation error next to a form (and keep it readable by screen readers). */
export function showError(node, e) {
  node.textContent = e ? e.message || String(e) : "";
}
