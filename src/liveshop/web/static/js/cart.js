import { $, api, buyDialog, el, market, t } from "./common.js";

async function load() {
  const cart = await api(`/carts/${market}`);
  $("#cart tbody").replaceChildren(...cart.items.map((i) => el("tr", {},
    el("td", {}, el("a", { href: `/products/${i.product_id}`, text: i.title })),
    el("td", { text: i.quantity }),
    el("td", { text: i.unit_price ? i.unit_price.formatted : "—" }),
    el("td", {}, el("button", { type: "button", class: "secondary", "aria-label": t("Remove {title}", { title: i.title }), text: t("Remove"),
      onclick: async () => { await api(`/carts/${market}/items/${i.variant_id}`, { method: "DELETE" }); load(); } })))));
  $("#subtotal").textContent = cart.subtotal.formatted;
  $("#checkout").disabled = !cart.items.length;
}
$("#checkout").addEventListener("click", () => buyDialog(t("Your cart"), (address, key) =>
  api("/checkout", { method: "POST", idem: key, body: { market, address } })));
document.addEventListener("bought", () => { location.href = "/orders"; });
load();
