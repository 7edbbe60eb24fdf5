import { $, api, el, t, when } from "./common.js";
import { chooseShop, rememberShop } from "./seller_common.js";

async function orders() {
  const shop = $("#shop").value;
  if (!shop) return;
  const page = await api(`/shops/${shop}/orders?limit=50`);
  $("#orders").replaceChildren(...page.items.map((o) => {
    const form = o.status === "paid" ? el("form", { class: "row fulfil", "aria-label": t("Fulfil order {id}", { id: o.id }) },
      el("label", {}, t("Carrier "), el("input", { name: "carrier", required: true, value: "Royal Mail" })),
      el("label", {}, t("Tracking number "), el("input", { name: "tracking_number", required: true })),
      el("button", { type: "submit", text: t("Mark shipped") })) : null;
    form?.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const f = new FormData(form);
      try {
        await api(`/orders/${o.id}/ship`, { method: "POST", body: { carrier: f.get("carrier"), tracking_number: f.get("tracking_number") } });
        orders();
      } catch (e) { form.append(el("p", { class: "error", role: "alert", text: e.message })); }
    });
    return el("li", { class: "order", "data-order": o.id },
      el("h2", {}, t("Order #{id} · ", { id: o.id }), el("span", { class: `badge ${o.status}`, text: o.status })),
      el("p", {}, when(o.created_at), ` · ${o.total.formatted} · ${o.address.name}, ${o.address.city}`),
      el("ul", {}, ...o.lines.map((l) => el("li", { text: `${l.quantity} × ${l.title} (${l.sku})` }))),
      o.tracking_number ? el("p", { text: `${o.carrier}: ${o.tracking_number}` }) : null,
      form);
  }));
  if (!page.items.length) $("#orders").append(el("li", { text: t("No orders yet.") }));
}

async function load() {
  const shops = await api("/me/shops");
  $("#no-shop").hidden = shops.length > 0;
  const chosen = chooseShop(shops);
  $("#shop").replaceChildren(...shops.map((s) => el("option", { value: s.id, text: s.name, selected: s.id === chosen?.id })));
  $("#shop").onchange = () => { rememberShop($("#shop").value); orders(); };
  orders();
}
load();
