// Returns inbox (approve / decline) and refunds on the shop's paid orders.
import { $, api, el, t, toast, uid, when } from "./common.js";
import { currentShop, fromMinor, showError, toMinor } from "./seller_common.js";

const REFUNDABLE = new Set(["paid", "shipped", "delivered", "completed", "partially_refunded"]);
let shop = null;

function returnCard(r) {
  const note = el("input", { id: `note-${r.id}`, maxlength: 1000, autocomplete: "off" });
  const error = el("p", { class: "error", role: "alert" });
  const decide = (action) => async (ev) => {
    ev.target.disabled = true;
    try {
      await api(`/returns/${r.id}/${action}`, { method: "POST", body: { note: note.value.trim() || null } });
      toast(action === "approve" ? t("Return #{id} approved: {formatted} refunded.", { id: r.id, formatted: r.amount.formatted }) : t("Return #{id} declined.", { id: r.id }));
      await refresh();
    } catch (e) { showError(error, e); ev.target.disabled = false; }
  };
  const open = r.status === "requested";
  return el("li", { class: "return", "data-return": r.id },
    el("h3", {}, t("Return #{id} · Order #{order_id} ", { id: r.id, order_id: r.order_id }), el("span", { class: `badge ${r.status}`, text: r.status })),
    el("p", {}, when(r.created_at), ` · ${r.buyer_name}`),
    el("p", {}, el("strong", { text: t("Reason: ") }), r.reason),
    el("ul", {}, ...r.items.map((i) => el("li", { text: `${i.quantity} × ${i.title} (${i.sku})` }))),
    el("p", {}, t("Refund due: {formatted} · order total {formatted2}, refunded so far {formatted3}", { formatted: r.amount.formatted, formatted2: r.order_total.formatted, formatted3: r.refunded_total.formatted })),
    r.decision_note ? el("p", { class: "muted" }, t("Note: {decision_note}", { decision_note: r.decision_note })) : null,
    r.decided_at ? el("p", { class: "muted" }, t("Decided "), when(r.decided_at)) : null,
    open ? el("div", { class: "actions" },
      el("label", { for: `note-${r.id}` }, t("Note to the buyer (optional)"), note),
      el("button", { type: "button", onclick: decide("approve"), text: t("Approve and refund {formatted}", { formatted: r.amount.formatted }) }),
      el("button", { type: "button", class: "secondary", onclick: decide("decline"), text: t("Decline") })) : null,
    error);
}

async function loadReturns() {
  const status = $("#return-status").value;
  const q = new URLSearchParams({ limit: 50 });
  if (status !== "all") q.set("status", status);
  const page = await api(`/shops/${shop.id}/returns?${q}`);
  $("#returns").replaceChildren(...page.items.map(returnCard));
  if (!page.items.length) $("#returns").append(el("li", { text: status === "requested" ? t("No open return requests.") : t("No return requests.") }));
}

function refundCard(o) {
  const remaining = o.total.amount - o.refunded_total.amount;
  let key = uid(); // one key per intended refund: a retry after a network error never refunds twice
  const amountId = `refund-amount-${o.id}`;
  const reasonId = `refund-reason-${o.id}`;
  const amount = el("input", { id: amountId, inputmode: "decimal", autocomplete: "off", required: true, value: fromMinor(remaining, o.currency) });
  const reason = el("input", { id: reasonId, maxlength: 200, autocomplete: "off" });
  for (const box of [amount, reason]) box.addEventListener("input", () => { key = uid(); });
  const error = el("p", { class: "error", role: "alert" });
  const form = el("form", { class: "actions", "aria-label": t("Refund order {id}", { id: o.id }) },
    el("label", { for: amountId }, t("Refund amount ({currency})", { currency: o.currency }), amount),
    el("label", { for: reasonId }, t("Reason (optional)"), reason),
    el("button", { type: "submit", text: t("Refund") }));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    showError(error);
    const button = form.querySelector("button");
    try {
      const minor = toMinor(amount.value, o.currency);
      if (minor < 1 || minor > remaining) throw new Error(`Enter an amount between ${fromMinor(1, o.currency)} and ${fromMinor(remaining, o.currency)}.`);
      button.disabled = true;
      await api(`/orders/${o.id}/refunds`, { method: "POST", idem: key, body: { amount: minor, reason: reason.value.trim() } });
      toast(t("Refunded {value} {currency} on order #{id}.", { value: amount.value, currency: o.currency, id: o.id }));
      await refresh();
    } catch (e) { showError(error, e); button.disabled = false; }
  });
  return el("li", { class: "refund", "data-order": o.id },
    el("h3", {}, t("Order #{id} ", { id: o.id }), el("span", { class: `badge ${o.status}`, text: o.status.replaceAll("_", " ") })),
    el("p", {}, when(o.created_at), ` · ${o.address.name} · ${o.lines.map((l) => `${l.quantity} × ${l.title}`).join(", ")}`),
    el("p", {}, t("Total {formatted} · refunded {formatted2}", { formatted: o.total.formatted, formatted2: o.refunded_total.formatted })),
    form, error);
}

async function loadRefundable() {
  const page = await api(`/shops/${shop.id}/orders?limit=100`);
  const orders = page.items.filter((o) => REFUNDABLE.has(o.status) && o.total.amount > o.refunded_total.amount);
  $("#refundable").replaceChildren(...orders.map(refundCard));
  if (!orders.length) $("#refundable").append(el("li", { text: t("No paid orders to refund.") }));
  if (page.total > page.items.length) $("#refundable").append(el("li", { class: "muted", text: t("Showing the latest 100 orders.") }));
}

async function refresh() {
  if (!shop) return;
  await Promise.all([loadReturns(), loadRefundable()]);
}

const wanted = new URLSearchParams(location.search).get("status");
if ([...$("#return-status").options].some((o) => o.value === wanted)) $("#return-status").value = wanted;
$("#return-status").addEventListener("change", () => loadReturns().catch((e) => toast(e.message)));
currentShop((s) => { shop = s; refresh(); })
  .then((s) => { shop = s; return refresh(); })
  .catch((e) => toast(e.message));
