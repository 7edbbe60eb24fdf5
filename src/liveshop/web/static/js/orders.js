import { $, api, el, when } from "./common.js";

async function load() {
  const page = await api("/me/orders?limit=50");
  $("#orders").replaceChildren(...page.items.map((o) => el("li", { class: "order", "data-order": o.id },
    el("h2", {}, `Order #${o.id} · `, el("span", { class: `badge ${o.status}`, text: o.status })),
    el("p", {}, when(o.created_at), ` · ${o.total.formatted}`),
    el("ul", {}, ...o.lines.map((l) => el("li", { text: `${l.quantity} × ${l.title}` }))),
    o.tracking_number
      ? el("p", { class: "tracking" }, `Shipped with ${o.carrier}: tracking `, el("strong", { text: o.tracking_number }))
      : null)));
  if (!page.items.length) $("#orders").append(el("li", { text: "No orders yet." }));
}
load();
