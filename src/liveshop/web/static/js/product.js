import { $, api, buyDialog, el, market, priceIn, toast } from "./common.js";

const id = $("#product").dataset.product;
let product;
const variant = () => product.variants.find((v) => String(v.id) === $("#p-variant").value);

function show() {
  const v = variant();
  const price = v && priceIn(v.prices);
  $("#p-price").textContent = price ? price.formatted : "Not sold in your market";
  $("#p-stock").textContent = v ? v.available : 0;
  for (const b of [$("#p-cart"), $("#p-buy")]) if (b) b.disabled = !price || !v.available;
}

async function load() {
  product = await api(`/products/${id}`);
  document.title = `${product.title} · Liveshop`;
  $("#p-title").textContent = product.title;
  $("#p-desc").textContent = product.description;
  $("#p-img").src = product.images[0] || `/img/placeholder.svg?t=${encodeURIComponent(product.title.slice(0, 40))}`;
  $("#p-variant").replaceChildren(...product.variants.map((v) => el("option", { value: v.id, text: v.option_values.join(" / ") || v.sku })));
  $("#p-variant").onchange = show;
  show();
}

$("#p-cart")?.addEventListener("click", async () => {
  try {
    await api(`/carts/${market}/items`, { method: "PUT", body: { variant_id: Number(variant().id), quantity: 1 } });
    toast("Added to cart");
  } catch (e) { $("#p-msg").textContent = e.message; }
});
$("#p-buy")?.addEventListener("click", () => {
  $("#p-msg").textContent = "";
  buyDialog(product.title, (address, key) => api("/orders/buy-now", {
    method: "POST", idem: key, body: { market, variant_id: Number(variant().id), quantity: 1, address },
  }));
});
document.addEventListener("bought", () => { location.href = "/orders"; });
load();
