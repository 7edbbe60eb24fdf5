// The buyer's orders, with tracking, and returns: a request form on delivered orders while the
// market's return window is open, and the status of each return once asked for.
import { $, api, el, label, t, toast, when } from "./common.js";

const RETURNABLE = new Set(["delivered", "completed", "partially_refunded"]);
const WITH_RETURNS = new Set([...RETURNABLE, "refunded"]);
const REASONS = [t("Doesn't fit"), t("Not as described"), t("Damaged or faulty"), t("Arrived too late"), t("Changed my mind"), t("Other")];
const markets = new Map();
const marketOf = (code) => {
  if (!markets.has(code)) markets.set(code, api(`/markets/${code}`).catch(() => null));
  return markets.get(code);
};
const dateOnly = new Intl.DateTimeFormat(document.documentElement.lang, { dateStyle: "medium" });

function returnStatus(r) {
  const what = {
    requested: `Return requested: ${r.amount.formatted} to refund once the seller accepts it.`,
    approved: `Return approved: ${r.amount.formatted} refunded.`,
    declined: "Return declined by the seller.",
  }[r.status] || t("Return {status}.", { status: label(r.status) });
  return el("li", { class: `return-status ${r.status}`, "data-return": r.id },
    el("span", { class: `badge return-${r.status}`, text: t("Return {status}", { status: label(r.status) }) }), " ",
    el("span", { text: what }),
    el("span", { class: "muted" }, t(" Asked "), when(r.created_at), `. Reason: ${r.reason}`),
    r.decision_note ? el("span", { class: "muted", text: t(" Seller's note: {decision_note}", { decision_note: r.decision_note }) }) : null);
}

function returnForm(o, onDone) {
  const id = o.id;
  const error = el("p", { class: "error", role: "alert", id: `ret-error-${id}` });
  const lines = o.lines.filter((l) => l.quantity > l.refunded_quantity);
  const reason = el("select", { id: `ret-reason-${id}`, name: "reason", required: true },
    el("option", { value: "", text: t("Choose a reason") }), ...REASONS.map((r) => el("option", { value: r, text: r })));
  const details = el("textarea", { id: `ret-details-${id}`, name: "details", maxlength: 800, rows: 2 });
  const qty = lines.map((l) => el("input", {
    id: `ret-qty-${id}-${l.id}`, type: "number", min: 0, max: l.quantity - l.refunded_quantity,
    value: l.quantity - l.refunded_quantity, inputmode: "numeric", "data-line": l.id, class: "qty",
  }));
  const submit = el("button", { type: "submit", text: t("Send return request") });
  const form = el("form", { class: "return-form", novalidate: true },
    el("label", { for: reason.id, text: t("Reason") }), reason,
    el("label", { for: details.id, text: t("Details (optional)") }), details,
    el("fieldset", {}, el("legend", { text: t("Items to return") }),
      ...lines.map((l, i) => el("div", { class: "qty-row" },
        el("label", { for: qty[i].id, text: t("{title} (of {v2})", { title: l.title, v2: l.quantity - l.refunded_quantity }) }), qty[i]))),
    error, submit);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    error.textContent = "";
    const wanted = qty.map((q) => ({ line_id: Number(q.dataset.line), quantity: Number(q.value) }))
      .filter((l) => l.quantity > 0);
    if (!reason.value) { error.textContent = t("Choose a reason for the return."); reason.focus(); return; }
    if (!wanted.length) { error.textContent = t("Choose at least one item to return."); return; }
    const text = details.value.trim() ? `${reason.value}: ${details.value.trim()}` : reason.value;
    submit.disabled = true;
    try {
      await api(`/orders/${id}/returns`, { method: "POST", body: { reason: text, lines: wanted } });
      toast(t("Return requested. The seller will reply soon."));
      await onDone();
    } catch (e) {
      error.textContent = e.message;
      submit.disabled = false;
    }
  });
  return el("details", { class: "return-request" }, el("summary", { text: t("Request a return") }), form);
}

async function returnsPart(o, box) {
  const refresh = async () => {
    const [rows, market] = await Promise.all([api(`/orders/${o.id}/returns`), marketOf(o.market)]);
    const parts = [];
    if (rows.length) parts.push(el("ul", { class: "returns" }, ...rows.map(returnStatus)));
    const open = rows.some((r) => r.status === "requested");
    const left = o.lines.some((l) => l.quantity > l.refunded_quantity);
    if (RETURNABLE.has(o.status) && !open && left && o.delivered_at) {
      const deadline = market ? new Date(Date.parse(o.delivered_at) + market.return_window_days * 86400e3) : null;
      if (deadline && deadline < new Date()) {
        parts.push(el("p", { class: "muted", text: t("The return window closed on {v1}.", { v1: dateOnly.format(deadline) }) }));
      } else {
        if (deadline) parts.push(el("p", { class: "hint", text: t("Returns accepted until {v1}.", { v1: dateOnly.format(deadline) }) }));
        parts.push(returnForm(o, async () => {
          Object.assign(o, await api(`/orders/${o.id}`));
          await refresh();
        }));
      }
    }
    box.replaceChildren(...parts);
  };
  await refresh();
}

function orderItem(o) {
  const returns = el("div", { class: "returns-box" });
  if (WITH_RETURNS.has(o.status)) returnsPart(o, returns).catch((e) => { returns.textContent = e.message; });
  return el("li", { class: "order", "data-order": o.id },
    el("h2", {}, t("Order #{id} · ", { id: o.id }), el("span", { class: `badge ${o.status}`, text: o.status.replaceAll("_", " ") })),
    el("p", {}, when(o.created_at), ` · ${o.total.formatted}`),
    el("ul", {}, ...o.lines.map((l) => el("li", { text: `${l.quantity} × ${l.title}${l.refunded_quantity ? ` (${l.refunded_quantity} refunded)` : ""}` }))),
    o.tracking_number
      ? el("p", { class: "tracking" }, t("Shipped with {carrier}: tracking ", { carrier: o.carrier }), el("strong", { text: o.tracking_number }))
      : null,
    returns);
}

async function load() {
  const page = await api("/me/orders?limit=50");
  $("#orders").replaceChildren(...page.items.map(orderItem));
  if (!page.items.length) $("#orders").append(el("li", { text: t("No orders yet.") }));
}
load().catch((e) => { $("#orders-error").textContent = e.message; });
