// Seller finance: balances, where the money went (chart + table), orders to settle, payouts.
import { $, api, el, t, when } from "./common.js";
import { currentShop } from "./seller_common.js";
import { barChart } from "./ledger_charts.js";

const LABELS = {
  payment: "Buyer payments", fee: "Platform fees", subsidy: "Platform subsidies", commission: "Creator commissions",
  refund: "Refunds", reserve: "Reserve held", reserve_release: "Reserve released", payout: "Paid out",
  receivable: "Owed by you (refund after payout)", recovery: "Recovered from you",
};

function tile(label, money, key) {
  return el("li", { "data-tile": key }, el("span", { class: "label", text: label }), el("span", { class: "value", "data-amount": money.amount, text: money.formatted }));
}

function block(c) {
  const rows = Object.entries(c.by_code).map(([code, m]) => ({ key: code, label: LABELS[code] || code, value: m.amount, formatted: m.formatted }));
  return el("section", { class: "currency-block", "data-currency": c.currency, "aria-label": t("Finance in {currency}", { currency: c.currency }) },
    el("h2", { text: c.currency }),
    el("ul", { class: "tiles" },
      tile(t("Pending (not settled)"), c.pending, "pending"), tile(t("Payable now"), c.payable, "payable"),
      tile(t("Reserve held"), c.reserve, "reserve"), tile(t("Owed by you"), c.owed, "owed"), tile(t("Paid out"), c.paid_out, "paid_out")),
    rows.length ? barChart(t("Settled money in and out of your balance, {currency}", { currency: c.currency }), rows) : el("p", { class: "muted", text: t("Nothing settled yet.") }),
    el("h3", { text: t("Orders to settle") }),
    c.to_settle.length ? el("table", { class: "figures" },
      el("thead", {}, el("tr", {}, ...[t("Order"), t("Amount"), t("Status"), t("Settles on")].map((h) => el("th", { scope: "col", text: h })))),
      el("tbody", {}, ...c.to_settle.map((o) => el("tr", {},
        el("td", { text: `#${o.order_id}` }), el("td", { class: "num", text: o.amount.formatted }),
        el("td", { text: o.status.replace("_", " ") }), el("td", { text: o.settles_on || t("after delivery") })))))
      : el("p", { class: "muted", text: t("No orders waiting to settle.") }),
    el("h3", { text: t("Payouts") }),
    c.payouts.length ? el("table", { class: "figures" },
      el("thead", {}, el("tr", {}, ...[t("Date"), t("Amount"), t("Status"), t("Reference")].map((h) => el("th", { scope: "col", text: h })))),
      el("tbody", {}, ...c.payouts.map((p) => el("tr", {},
        el("td", {}, when(p.created_at)), el("td", { class: "num", text: p.amount.formatted }),
        el("td", { text: p.status }), el("td", { text: p.provider_ref || "" })))))
      : el("p", { class: "muted", text: t("No payouts yet.") }));
}

async function load(shop) {
  $("#statement").href = `/api/v1/ledger/shops/${shop.id}/statement.csv`;
  const data = await api(`/ledger/shops/${shop.id}/finance`);
  $("#finance").replaceChildren(...(data.currencies.length ? data.currencies.map(block) : [el("p", { class: "muted", text: t("No sales in the ledger yet.") })]));
  document.body.dataset.ready = "finance";
}

const shop = await currentShop(load);
if (shop) await load(shop);
else document.body.dataset.ready = "finance";
