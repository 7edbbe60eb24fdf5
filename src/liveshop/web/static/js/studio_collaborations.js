// A creator's side: offers to accept or decline, the showcase with rates and links.
import { $, api, el, label, number, t, toast } from "./common.js";

const pct = (bp) => number(bp / 10000, { style: "percent", maximumFractionDigits: 2 });
// Collaboration states the shared labels lack.
const STATES = { invited: t("invited"), accepted: t("accepted"), revoked: t("revoked") };
const state = (code) => STATES[code] || label(code);
const me = Number(document.body.dataset.user);

function button(text, label, run) {
  const b = el("button", { type: "button", class: "secondary small", text, "aria-label": label });
  b.addEventListener("click", async () => {
    b.disabled = true;
    try { await run(); await load(); } catch (e) { toast(e.message); b.disabled = false; }
  });
  return b;
}

function offer(c, showcased) {
  const what = { product: c.product_title, shop: c.shop_name };
  const actions = [];
  if (c.status === "invited") {
    actions.push(button(t("Accept"), t("Accept {product} from {shop}", what), () => api(`/collaborations/${c.id}/accept`, { method: "POST" })));
    actions.push(button(t("Decline"), t("Decline {product} from {shop}", what), () => api(`/collaborations/${c.id}/decline`, { method: "POST" })));
  } else if (["active", "accepted"].includes(c.status) && !showcased.has(c.product_id)) {
    actions.push(button(t("Add to showcase"), t("Add {product} from {shop} to your showcase", what), () => api(`/me/showcase/${c.product_id}`, { method: "PUT" })));
  }
  const kind = c.kind === "open" ? label("open") : t("for you");
  return el("li", { class: "row offer", "data-collab": c.id },
    el("span", { class: "grow" }, el("strong", { text: c.product_title }), ` · ${[c.shop_name, pct(c.rate_bp), kind, state(c.status)].join(" · ")}`),
    ...actions);
}

function item(s) {
  const link = `${location.origin}/api/v1/a/${me}/${s.product_id}`;
  const copy = button(t("Copy link"), t("Copy your link to {product}", { product: s.title }), async () => { await navigator.clipboard.writeText(link); toast(t("Link copied.")); });
  const remove = button(t("Remove"), t("Remove {product} from your showcase", { product: s.title }), () => api(`/me/showcase/${s.product_id}`, { method: "DELETE" }));
  return el("li", { class: "row showcase-item", "data-product": s.product_id },
    el("span", { class: "grow" }, el("a", { href: `/products/${s.product_id}`, text: s.title }),
      s.rate_bp === null ? t(" · no active collaboration") : ` · ${pct(s.rate_bp)}`,
      el("br"), el("small", { class: "muted", text: s.why || "" })),
    copy, remove);
}

async function load() {
  const [offers, showcase] = await Promise.all([api("/me/collaborations"), api("/me/showcase")]);
  const showcased = new Set(showcase.map((s) => s.product_id));
  $("#offers").replaceChildren(...offers.map((c) => offer(c, showcased)));
  if (!offers.length) $("#offers").append(el("li", { text: t("No offers yet.") }));
  $("#showcase").replaceChildren(...showcase.map(item));
  if (!showcase.length) $("#showcase").append(el("li", { text: t("Your showcase is empty.") }));
  document.body.dataset.ready = "collaborations";
}

load().catch((e) => toast(e.message));
