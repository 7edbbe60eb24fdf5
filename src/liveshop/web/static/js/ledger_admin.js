// Admin finance: the trial balance, incentive programs with their burn-down, payout runs.
import { $, api, el, toast, uid, when } from "./common.js";
import { barChart, burnDown } from "./ledger_charts.js";

async function trial() {
  const t = await api("/ledger/admin/trial-balance");
  $("#trial").replaceChildren(
    el("p", { class: t.ok ? "ok" : "error", text: t.ok ? `Every ledger sums to zero (${t.transfers} transfers).` : "The books do not balance:" }),
    ...t.problems.map((p) => el("p", { class: "error", text: p })),
    el("table", { class: "figures" },
      el("thead", {}, el("tr", {}, ...["Currency", "Accounts", "Debits posted", "Credits posted", "Debits pending", "Credits pending"].map((h) => el("th", { scope: "col", text: h })))),
      el("tbody", {}, ...t.ledgers.map((l) => el("tr", { "data-currency": l.currency },
        el("td", { text: l.currency }), el("td", { class: "num", text: l.accounts }),
        ...[l.debits_posted, l.credits_posted, l.debits_pending, l.credits_pending].map((m) => el("td", { class: "num", text: m.formatted })))))));
}

async function programs() {
  const list = await api("/ledger/admin/programs");
  const fmt = (ccy) => (v) => new Intl.NumberFormat(document.documentElement.lang, { style: "currency", currency: ccy }).format(ccy === "IDR" ? v : v / 100);
  $("#programs").replaceChildren(...(list.length ? list.map((p) => el("article", { "data-program": p.id },
    el("h3", { text: `${p.name} (${p.kind.replace("_", " ")})` }),
    el("p", { text: `${p.starts_at.slice(0, 10)} to ${p.ends_at.slice(0, 10)} · ${p.currency}` }),
    barChart(`Spend against budget, ${p.name}`, [
      { key: "spent", label: "Spent", value: p.spent, formatted: fmt(p.currency)(p.spent) },
      { key: "left", label: "Left", value: p.left, formatted: fmt(p.currency)(p.left) }]),
    burnDown(`Budget left by day, ${p.name}`, p.budget, p.burn, fmt(p.currency)))) : [el("p", { class: "muted", text: "No programs yet." })]));
}

async function runs() {
  const list = await api("/ledger/admin/payout-runs");
  $("#runs").replaceChildren(list.length ? el("table", { class: "figures" },
    el("thead", {}, el("tr", {}, ...["Run", "Date", "Payouts", "Total", "Batch file"].map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, ...list.map((r) => el("tr", {},
      el("td", { text: r.id }), el("td", {}, when(r.created_at)), el("td", { class: "num", text: r.payouts }),
      el("td", { class: "num", text: r.total.formatted }),
      el("td", {}, el("a", { href: `/api/v1/ledger/admin/payout-runs/${encodeURIComponent(r.id)}.csv`, text: "CSV" }))))))
    : el("p", { class: "muted", text: "No payout runs yet." }));
}

let key = uid();
$("#run-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  $("#run-error").textContent = "";
  try {
    const run = await api("/ledger/admin/payout-runs", { method: "POST", body: { currency: $("#run-currency").value }, idem: key });
    key = uid();
    toast(`Run ${run.id}: ${run.payouts} payouts, ${run.total.formatted}.`);
    await Promise.all([runs(), trial()]);
  } catch (e) { $("#run-error").textContent = e.message; }
});
$("#run-currency").addEventListener("change", () => { key = uid(); });

await Promise.all([trial(), programs(), runs()]);
document.body.dataset.ready = "admin-finance";
