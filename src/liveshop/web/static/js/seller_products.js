import { $, api, el, t, nt, label } from "./common.js";
import { currentShop } from "./seller_common.js";

const LIMIT = 50;
let shop = null;
let offset = 0;

function priceText(product) {
  const prices = product.variants.flatMap((v) => v.prices).filter((p) => p.market === shop.market_code);
  if (!prices.length) return t("No {market_code} price", { market_code: shop.market_code });
  const low = prices.reduce((a, b) => (b.amount < a.amount ? b : a));
  const high = prices.reduce((a, b) => (b.amount > a.amount ? b : a));
  return low.amount === high.amount ? low.formatted : `${low.formatted} – ${high.formatted}`;
}

function row(p) {
  const stock = p.variants.reduce((n, v) => n + v.stock, 0);
  return el("tr", { "data-product": p.id },
    el("td", {},
      p.images[0] ? el("img", { class: "thumb", src: p.images[0], alt: "", loading: "lazy" }) : null, " ",
      el("a", { href: `/seller/products/${p.id}`, text: p.title })),
    el("td", {}, el("span", { class: `badge ${p.status}`, text: label(p.status) })),
    el("td", { class: "num opt", text: String(p.variants.length) }),
    el("td", { class: "num", text: String(stock) }),
    el("td", { text: priceText(p) }));
}

async function load(more = false) {
  if (!shop) return;
  offset = more ? offset + LIMIT : 0;
  const status = $("#status-filter").value;
  const q = new URLSearchParams({ limit: LIMIT, offset });
  if (status) q.set("status", status);
  const page = await api(`/shops/${shop.id}/products/manage?${q}`);
  const rows = page.items.map(row);
  if (more) $("#products").append(...rows); else $("#products").replaceChildren(...rows);
  if (!page.total) {
    $("#products").replaceChildren(el("tr", {}, el("td", { colspan: 5 },
      status ? t("No {status} products.", { status: label(status) }) : t("No products yet. "), status ? null : el("a", { href: "/seller/products/new", text: t("Add your first product") }))));
  }
  $("#products-count").textContent = nt("{n} product", "{n} products", page.total) + (status ? ` (${label(status)})` : "");
  $("#more").hidden = offset + LIMIT >= page.total;
}

$("#status-filter").addEventListener("change", () => load());
$("#more").addEventListener("click", () => load(true));
currentShop((s) => { shop = s; load(); })
  .then((s) => { shop = s; if (!s) $("#products-count").textContent = ""; return load(); })
  .catch((e) => { $("#products-count").textContent = e.message; });
