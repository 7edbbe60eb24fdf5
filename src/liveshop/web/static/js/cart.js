import { track } from "./analytics_beacon.js";
import { $, api, buyDialog, el, market, t } from "./common.js";

let lines = [];

async function load() {
  const cart = await api(`/carts/${market}`);
  lines = cart.items;
  $("#cart tbody").replaceChildren(...cart.items.map((i) => el("tr", {},
    el("td", {}, el("a", { href: `/products/${i.product_id}`, text: i.title })),
    el("td", { text: i.quantity }),
    el("td", { text: i.unit_price ? i.unit_price.formatted : "—" }),
    el("td", {}, el("button", { type: "button", class: "secondary", "aria-label": t("Remove {title}", { title: i.title }), text: t("Remove"),
      onclick: async () => { await api(`/carts/${market}/items/${i.variant_id}`, { method: "DELETE" }); load(); } })))));
  $("#subtotal").textContent = cart.subtotal.formatted;
  $("#checkout").disabled = !cart.items.length;
}
// Checkout start counts once per product in the cart (analytics beacon), when the buyer places it.
$("#checkout").addEventListener("click", () => buyDialog(t("Your cart"), (address, key) => {
  for (const i of lines) track("checkout_start", { product_id: i.product_id, market });
  return api("/checkout", { method: "POST", idem: key, body: { market, address } });
}));
document.addEventListener("bought", () => { location.href = "/orders"; });
load();
