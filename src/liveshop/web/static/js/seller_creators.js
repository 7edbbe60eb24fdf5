// The collaboration manager: open and targeted offers, rates, rate history, revoking.
import { $, api, el, toast } from "./common.js";
import { currentShop, showError } from "./seller_common.js";

let shop = null;
const pct = (bp) => `${(bp / 100).toLocaleString(undefined, { maximumFractionDigits: 2 })}%`;
const key = () => `collab-${crypto.randomUUID ? crypto.randomUUID() : Date.now() + Math.random()}`;

async function history(c) {
  const rows = await api(`/collaborations/${c.id}/rates`);
  $("#history-h").textContent = `Rate history · ${c.product_title}${c.creator_name ? ` · ${c.creator_name}` : ""}`;
  $("#history-list").replaceChildren(...rows.map((r) => el("li", { class: "rate-change" },
    `${new Date(r.changed_at).toLocaleDateString()}: ${pct(r.rate_bp)}`,
    r.previous_bp === null ? " (offered)" : ` (was ${pct(r.previous_bp)}${r.rate_bp < r.previous_bp ? `; reaches showcase holders ${new Date(r.holders_from).toLocaleDateString()}` : ""})`)));
  $("#history").hidden = false;
  $("#history").scrollIntoView({ block: "nearest" });
}

function rateForm(c) {
  const input = el("input", { type: "number", min: "1", max: "80", step: "0.01", value: c.rate_bp / 100, inputmode: "decimal", "aria-label": `New rate for ${c.product_title} (%)`, class: "rate" });
  const form = el("form", { class: "row" }, input, el("button", { type: "submit", class: "secondary small", text: "Set rate" }));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const r = await api(`/collaborations/${c.id}/rate`, { method: "POST", idem: key(), body: { rate_bp: Math.round(Number(input.value) * 100) } });
      toast(r.rate_bp < r.previous_bp ? `Cut to ${pct(r.rate_bp)}: creators showcasing it keep ${pct(r.previous_bp)} until ${new Date(r.holders_from).toLocaleDateString()}.` : `Rate now ${pct(r.rate_bp)}.`);
      await load();
    } catch (e) { toast(e.message); }
  });
  return form;
}

function row(c) {
  const live = ["active", "accepted", "invited"].includes(c.status);
  const actions = el("td", { class: "actions" });
  if (live) actions.append(rateForm(c));
  const hist = el("button", { type: "button", class: "secondary small", text: "History", "aria-label": `Rate history of ${c.product_title}` });
  hist.addEventListener("click", () => history(c).catch((e) => toast(e.message)));
  actions.append(hist);
  if (live) {
    const stop = el("button", { type: "button", class: "secondary small", text: "Revoke", "aria-label": `Revoke ${c.product_title} for ${c.creator_name || "all creators"}` });
    stop.addEventListener("click", async () => {
      stop.disabled = true;
      try { await api(`/collaborations/${c.id}/revoke`, { method: "POST" }); toast("Revoked: it stops at once."); await load(); } catch (e) { toast(e.message); stop.disabled = false; }
    });
    actions.append(stop);
  }
  return el("tr", { class: "collab", "data-collab": c.id },
    el("td", { text: c.product_title }),
    el("td", { text: c.kind === "open" ? "Any creator (open)" : `${c.creator_name} · ID ${c.creator_id}` }),
    el("td", {}, el("span", { class: `badge ${c.status}`, text: c.status })),
    el("td", { class: "num", text: pct(c.rate_bp), title: "Commission" }),
    el("td", { class: "num opt", text: c.floor_bp >= 10000 ? "floor: no discount" : `floor ${pct(c.floor_bp)}` }),
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
    toast(kind === "open" ? "Offered to every creator." : "Invitation sent.");
    await load();
  } catch (e) { showError($("#offer-error"), e); }
});

currentShop((s) => { shop = s; load(); })
  .then((s) => { shop = s; $("#offer-form").hidden = !s; return load(); })
  .catch((e) => toast(e.message));
