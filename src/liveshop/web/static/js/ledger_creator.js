// Creator earnings: pending, payable, paid; per show and per product; the statement per line.
import { $, api, el } from "./common.js";
import { barChart } from "./ledger_charts.js";

function tile(label, money, key) {
  return el("li", { "data-tile": key }, el("span", { class: "label", text: label }), el("span", { class: "value", "data-amount": money.amount, text: money.formatted }));
}

function block(c) {
  const shows = c.per_show.map((s) => ({ key: s.show, label: s.show === "link" ? "Affiliate links" : `Show #${s.show}`, value: s.amount.amount, formatted: s.amount.formatted }));
  const products = c.per_product.map((p) => ({ key: p.product_id, label: `Product #${p.product_id}`, value: p.amount.amount, formatted: p.amount.formatted }));
  return el("section", { class: "currency-block", "data-currency": c.currency, "aria-label": `Earnings in ${c.currency}` },
    el("h2", { text: c.currency }),
    el("ul", { class: "tiles" }, tile("Pending", c.pending, "pending"), tile("Payable", c.payable, "payable"), tile("Paid", c.paid, "paid")),
    el("h3", { text: "Per show" }), barChart(`Commission earned per show, ${c.currency}`, shows),
    el("h3", { text: "Per product" }), barChart(`Commission earned per product, ${c.currency}`, products),
    el("h3", { text: "Commission statement" }),
    el("table", { class: "figures" },
      el("thead", {}, el("tr", {}, ...["Order", "Line", "Commission", "Earned", "State"].map((h) => el("th", { scope: "col", text: h })))),
      el("tbody", {}, ...c.lines.map((l) => el("tr", {},
        el("td", { text: `#${l.order_id}` }), el("td", { text: `#${l.line_id}` }),
        el("td", { class: "num", text: l.commission.formatted }), el("td", { class: "num", text: l.earned.formatted }),
        el("td", { text: l.state }))))));
}

const data = await api("/ledger/me/earnings");
$("#earnings").replaceChildren(...(data.currencies.length ? data.currencies.map(block) : [el("p", { class: "muted", text: "No commissions yet." })]));
document.body.dataset.ready = "earnings";
