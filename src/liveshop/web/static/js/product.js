import { $, api, buyDialog, el, inStock, market, priceIn, shelf, t, toast } from "./common.js";
import { track } from "./analytics_beacon.js";
import { followButton } from "./follow.js";

const id = $("#product").dataset.product;
let product;
// What the page's analytics events name (beacon): this product, its shop, the market.
const seen = () => ({ product_id: product.id, shop_id: product.shop_id, market });
const variant = () => product.variants.find((v) => String(v.id) === $("#p-variant").value);

function show() {
  const v = variant();
  const price = v && priceIn(v.prices);
  $("#p-price").textContent = price ? shelf(price) : t("Not sold in your market");
  $("#p-stock").textContent = !v ? 0 : v.track_stock === false ? t("Always") : v.available;
  for (const b of [$("#p-cart"), $("#p-buy")]) if (b) b.disabled = !price || !inStock(v);
}

// Who sells it, with a link to the shop page and a follow button.
async function loadShop() {
  const shop = await api(`/shops/${product.shop_id}`);
  const link = $("#p-shop-link");
  link.href = `/shops/${shop.id}`;
  link.textContent = shop.name;
  $("#p-shop-verified").hidden = shop.verification !== "verified";
  $("#p-shop").hidden = false;
  await followButton($("#follow"), "shop", shop.id, shop.name);
}

async function load() {
  try {
    product = await api(`/products/${id}`);
  } catch (e) {
    $("#p-title").textContent = t("Product not found");
    $("#p-msg").textContent = e.message;
    return;
  }
  document.title = t("{title} · Liveshop", { title: product.title });
  $("#p-title").textContent = product.title;
  $("#p-desc").textContent = product.description;
  $("#p-img").src = product.images[0] || `/img/placeholder.svg?t=${encodeURIComponent(product.title.slice(0, 40))}`;
  $("#p-variant").replaceChildren(...product.variants.map((v) => el("option", { value: v.id, text: v.option_values.join(" / ") || v.sku })));
  $("#p-variant").onchange = show;
  // A product without options has one variant: no chooser (it would only list the SKU).
  const options = product.options || [];
  $("#p-variant-row").hidden = !options.length && product.variants.length < 2;
  $("#p-variant-label").textContent = options.join(" / ") || t("Option");
  show();
  track("impression", seen());
  loadShop().catch(() => {});
}

$("#p-cart")?.addEventListener("click", async () => {
  track("click", seen());
  track("add_to_cart", seen());
  try {
    await api(`/carts/${market}/items`, { method: "PUT", body: { variant_id: Number(variant().id), quantity: 1 } });
    toast(t("Added to cart"));
  } catch (e) { $("#p-msg").textContent = e.message; }
});
$("#p-buy")?.addEventListener("click", () => {
  $("#p-msg").textContent = "";
  const v = variant();
  track("click", seen());
  buyDialog(product.title, (address, key) => {
    track("checkout_start", seen());
    return api("/orders/buy-now", {
      method: "POST", idem: key, body: { market, variant_id: Number(v.id), quantity: 1, address },
    });
  }, { price: priceIn(v.prices), quantity: 1 });
});
document.addEventListener("bought", () => { location.href = "/orders"; });
load();
