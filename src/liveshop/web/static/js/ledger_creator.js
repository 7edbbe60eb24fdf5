// Creator earnings: pending, payable, paid; per show and per product; the statement per line.
import { $, api, el, t } from "./common.js";
import { barChart } from "./ledger_charts.js";

function tile(label, money, key) {
  return el("li", { "data-tile": key }, el("span", { class: "label", text: label }), el("span", { class: "value", "data-amount": money.amount, text: money.formatted }));
}

function block(c) {
  const shows = c.per_show.map((s) => ({ key: s.show, label: s.show === "link" ? t("Affiliate links") : t("Show #{show}", { show: s.show }), value: s.amount.amount, formatted: s.amount.formatted }));
  const products = c.per_product.map((p) => ({ key: p.product_id, label: t("Product #{product_id}", { product_id: p.product_id }), value: p.amount.amount, formatted: p.amount.formatted }));
  return el("section", { class: "currency-block", "data-currency": c.currency, "aria-label": t("Earnings in {currency}", { currency: c.currency }) },
    el("h2", { text: c.currency }),
    el("ul", { class: "tiles" }, tile(t("Pending"), c.pending, "pending"), tile(t("Payable"), c.payable, "payable"), tile(t("Paid"), c.paid, "paid")),
    el("h3", { text: t("Per show") }), barChart(t("Commission earned per show, {currency}", { currency: c.currency }), shows),
    el("h3", { text: t("Per product") }), barChart(t("Commission earned per product, {currency}", { currency: c.currency }), products),
    el("h3", { text: t("Commission statement") }),
    el("table", { class: "figures" },
      el("thead", {}, el("tr", {}, ...[t("Order"), t("Line"), t("Commission"), t("Earned"), t("State")].map((h) => el("th", { scope: "col", text: h })))),
      el("tbody", {}, ...c.lines.map((l) => el("tr", {},
        el("td", { text: `#${l.order_id}` }), el("td", { text: `#${l.line_id}` }),
        el("td", { class: "num", text: l.commission.formatted }), el("td", { class: "num", text: l.earned.formatted }),
        el("td", { text: l.state }))))));
}

const data = await api("/ledger/me/earnings");
$("#earnings").replaceChildren(...(data.currencies.length ? data.currencies.map(block) : [el("p", { class: "muted", text: t("No commissions yet.") })]));
document.body.dataset.ready = "earnings";
