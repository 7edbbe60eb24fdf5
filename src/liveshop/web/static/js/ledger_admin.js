// Admin finance: the trial balance, incentive programs with their burn-down, payout runs.
import { $, api, el, t, toast, uid, when } from "./common.js";
import { barChart, burnDown } from "./ledger_charts.js";

async function trial() {
  const tb = await api("/ledger/admin/trial-balance");
  $("#trial").replaceChildren(
    el("p", { class: tb.ok ? "ok" : "error", text: tb.ok ? t("Every ledger sums to zero ({transfers} transfers).", { transfers: tb.transfers }) : t("The books do not balance:") }),
    ...tb.problems.map((p) => el("p", { class: "error", text: p })),
    el("table", { class: "figures" },
      el("thead", {}, el("tr", {}, ...[t("Currency"), t("Accounts"), t("Debits posted"), t("Credits posted"), t("Debits pending"), t("Credits pending")].map((h) => el("th", { scope: "col", text: h })))),
      el("tbody", {}, ...tb.ledgers.map((l) => el("tr", { "data-currency": l.currency },
        el("td", { text: l.currency }), el("td", { class: "num", text: l.accounts }),
        ...[l.debits_posted, l.credits_posted, l.debits_pending, l.credits_pending].map((m) => el("td", { class: "num", text: m.formatted })))))));
}

async function programs() {
  const list = await api("/ledger/admin/programs");
  const fmt = (ccy) => (v) => new Intl.NumberFormat(document.documentElement.lang, { style: "currency", currency: ccy }).format(ccy === "IDR" ? v : v / 100);
  $("#programs").replaceChildren(...(list.length ? list.map((p) => el("article", { "data-program": p.id },
    el("h3", { text: `${p.name} (${p.kind.replace("_", " ")})` }),
    el("p", { text: t("{v1} to {v2} · {currency}", { v1: p.starts_at.slice(0, 10), v2: p.ends_at.slice(0, 10), currency: p.currency }) }),
    barChart(t("Spend against budget, {name}", { name: p.name }), [
      { key: "spent", label: t("Spent"), value: p.spent, formatted: fmt(p.currency)(p.spent) },
      { key: "left", label: t("Left"), value: p.left, formatted: fmt(p.currency)(p.left) }]),
    burnDown(t("Budget left by day, {name}", { name: p.name }), p.budget, p.burn, fmt(p.currency)))) : [el("p", { class: "muted", text: t("No programs yet.") })]));
}

async function runs() {
  const list = await api("/ledger/admin/payout-runs");
  $("#runs").replaceChildren(list.length ? el("table", { class: "figures" },
    el("thead", {}, el("tr", {}, ...[t("Run"), t("Date"), t("Payouts"), t("Total"), t("Batch file")].map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, ...list.map((r) => el("tr", {},
      el("td", { text: r.id }), el("td", {}, when(r.created_at)), el("td", { class: "num", text: r.payouts }),
      el("td", { class: "num", text: r.total.formatted }),
      el("td", {}, el("a", { href: `/api/v1/ledger/admin/payout-runs/${encodeURIComponent(r.id)}.csv`, text: t("CSV") }))))))
    : el("p", { class: "muted", text: t("No payout runs yet.") }));
}

let key = uid();
$("#run-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  $("#run-error").textContent = "";
  try {
    const run = await api("/ledger/admin/payout-runs", { method: "POST", body: { currency: $("#run-currency").value }, idem: key });
    key = uid();
    toast(t("Run {id}: {payouts} payouts, {formatted}.", { id: run.id, payouts: run.payouts, formatted: run.total.formatted }));
    await Promise.all([runs(), trial()]);
  } catch (e) { $("#run-error").textContent = e.message; }
});
$("#run-currency").addEventListener("change", () => { key = uid(); });

await Promise.all([trial(), programs(), runs()]);
document.body.dataset.ready = "admin-finance";
