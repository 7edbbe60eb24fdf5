// A shop: its name, verified badge, live and upcoming shows, active products and a follow button.
import { $, api, t } from "./common.js";
import { empty, productCard, showItem } from "./cards.js";
import { followButton } from "./follow.js";

const id = $("#shop").dataset.shop;

async function load() {
  let shop;
  try {
    shop = await api(`/shops/${id}`);
  } catch (e) {
    $("#s-name").textContent = t("Shop not found");
    $("#s-error").textContent = e.message;
    return;
  }
  document.title = t("{name} · Liveshop", { name: shop.name });
  $("#s-name").textContent = shop.name;
  $("#s-desc").textContent = shop.description;
  $("#s-verified").hidden = shop.verification !== "verified";
  followButton($("#follow"), "shop", shop.id, shop.name);
  const [shows, products] = await Promise.all([
    api(`/shows?shop_id=${shop.id}&status=live&status=scheduled&limit=50`),
    api(`/products?shop_id=${shop.id}&limit=60`),
  ]);
  $("#s-shows").replaceChildren(...(shows.length ? shows.map((s) => showItem(s)) : [empty(t("No shows scheduled."))]));
  $("#s-products").replaceChildren(...(products.items.length ? products.items.map(productCard) : [empty(t("No products yet."))]));
}
load().catch((e) => { $("#s-error").textContent = e.message; });
