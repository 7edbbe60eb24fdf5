// The collaboration manager: open and targeted offers, rates, rate history, revoking.
import { $, api, el, label, number, t, toast } from "./common.js";
import { currentShop, showError } from "./seller_common.js";

let shop = null;
const pct = (bp) => number(bp / 10000, { style: "percent", maximumFractionDigits: 2 });
const day = (iso) => new Date(iso).toLocaleDateString(document.documentElement.lang);
// Collaboration states the shared labels lack.
const STATES = { invited: t("invited"), accepted: t("accepted"), revoked: t("revoked") };
const state = (code) => STATES[code] || label(code);
const key = () => `collab-${crypto.randomUUID ? crypto.randomUUID() : Date.now() + Math.random()}`;

async function history(c) {
  const rows = await api(`/collaborations/${c.id}/rates`);
  $("#history-h").textContent = c.creator_name
    ? t("Rate history · {product} · {creator}", { product: c.product_title, creator: c.creator_name })
    : t("Rate history · {product}", { product: c.product_title });
  $("#history-list").replaceChildren(...rows.map((r) => el("li", { class: "rate-change" },
    r.previous_bp === null
      ? t("{date}: {rate} (offered)", { date: day(r.changed_at), rate: pct(r.rate_bp) })
      : r.rate_bp < r.previous_bp
        ? t("{date}: {rate} (was {previous}; reaches showcase holders {holders})", { date: day(r.changed_at), rate: pct(r.rate_bp), previous: pct(r.previous_bp), holders: day(r.holders_from) })
        : t("{date}: {rate} (was {previous})", { date: day(r.changed_at), rate: pct(r.rate_bp), previous: pct(r.previous_bp) }))));
  $("#history").hidden = false;
  $("#history").scrollIntoView({ block: "nearest" });
}

function rateForm(c) {
  const input = el("input", { type: "number", min: "1", max: "80", step: "0.01", value: c.rate_bp / 100, inputmode: "decimal", "aria-label": t("New rate for {product} (%)", { product: c.product_title }), class: "rate" });
  const form = el("form", { class: "row" }, input, el("button", { type: "submit", class: "secondary small", text: t("Set rate") }));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const r = await api(`/collaborations/${c.id}/rate`, { method: "POST", idem: key(), body: { rate_bp: Math.round(Number(input.value) * 100) } });
      toast(r.rate_bp < r.previous_bp
        ? t("Cut to {rate}: creators showcasing it keep {previous} until {date}.", { rate: pct(r.rate_bp), previous: pct(r.previous_bp), date: day(r.holders_from) })
        : t("Rate now {rate}.", { rate: pct(r.rate_bp) }));
      await load();
    } catch (e) { toast(e.message); }
  });
  return form;
}

function row(c) {
  const live = ["active", "accepted", "invited"].includes(c.status);
  const actions = el("td", { class: "actions" });
  if (live) actions.append(rateForm(c));
  const hist = el("button", { type: "button", class: "secondary small", text: t("History"), "aria-label": t("Rate history of {product}", { product: c.product_title }) });
  hist.addEventListener("click", () => history(c).catch((e) => toast(e.message)));
  actions.append(hist);
  if (live) {
    const stop = el("button", { type: "button", class: "secondary small", text: t("Revoke"), "aria-label": c.creator_name
      ? t("Revoke {product} for {creator}", { product: c.product_title, creator: c.creator_name })
      : t("Revoke {product} for all creators", { product: c.product_title }) });
    stop.addEventListener("click", async () => {
      stop.disabled = true;
      try { await api(`/collaborations/${c.id}/revoke`, { method: "POST" }); toast(t("Revoked: it stops at once.")); await load(); } catch (e) { toast(e.message); stop.disabled = false; }
    });
    actions.append(stop);
  }
  return el("tr", { class: "collab", "data-collab": c.id },
    el("td", { text: c.product_title }),
    el("td", { text: c.kind === "open" ? t("Any creator (open)") : t("{creator} · ID {id}", { creator: c.creator_name, id: c.creator_id }) }),
    el("td", {}, el("span", { class: `badge ${c.status}`, text: state(c.status) })),
    el("td", { class: "num", text: pct(c.rate_bp), title: t("Commission") }),
    el("td", { class: "num opt", text: c.floor_bp >= 10000 ? t("floor: no discount") : t("floor {rate}", { rate: pct(c.floor_bp) }) }),
    actions);
}

async function load() {
  if (!shop) return;
  const rows = await api(`/shops/${shop.id}/collaborations`);
  $("#collabs tbody").replaceChildren(...rows.map(row));
  $("#collabs-empty").hidden = rows.length > 0;
  const products = await api(`/shops/${shop.id}/products/manage?status=active&limit=100`);
  $("#offer-product").replaceChildren(...products.items.map((p) => el("option", { value: p.id, text: p.title })));
  document.body.dataset.ready = "collaborations";
}

for (const radio of document.querySelectorAll('input[name="kind"]')) {
  radio.addEventListener("change", () => {
    const targeted = document.querySelector('input[name="kind"]:checked').value === "targeted";
    $("#offer-creator").disabled = !targeted;
    $("#offer-creator").required = targeted;
  });
}

$("#offer-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  showError($("#offer-error"));
  const kind = document.querySelector('input[name="kind"]:checked').value;
  const body = {
    product_id: Number($("#offer-product").value), kind,
    rate_bp: Math.round(Number($("#offer-rate").value) * 100),
    floor_bp: Math.round(Number($("#offer-floor").value) * 100),
  };
  if (kind === "targeted") body.creator_id = Number($("#offer-creator").value);
  try {
    await api("/collaborations", { method: "POST", idem: key(), body });
    toast(kind === "open" ? t("Offered to every creator.") : t("Invitation sent."));
    await load();
  } catch (e) { showError($("#offer-error"), e); }
});

currentShop((s) => { shop = s; load(); })
  .then((s) => { shop = s; $("#offer-form").hidden = !s; return load(); })
  .catch((e) => toast(e.message));
