// A creator's side: offers to accept or decline, the showcase with rates and links.
import { $, api, el, toast } from "./common.js";

const pct = (bp) => `${(bp / 100).toLocaleString(undefined, { maximumFractionDigits: 2 })}%`;
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
  const what = `${c.product_title} from ${c.shop_name}`;
  const actions = [];
  if (c.status === "invited") {
    actions.push(button("Accept", `Accept ${what}`, () => api(`/collaborations/${c.id}/accept`, { method: "POST" })));
    actions.push(button("Decline", `Decline ${what}`, () => api(`/collaborations/${c.id}/decline`, { method: "POST" })));
  } else if (["active", "accepted"].includes(c.status) && !showcased.has(c.product_id)) {
    actions.push(button("Add to showcase", `Add ${what} to your showcase`, () => api(`/me/showcase/${c.product_id}`, { method: "PUT" })));
  }
  return el("li", { class: "row offer", "data-collab": c.id },
    el("span", { class: "grow" }, el("strong", { text: c.product_title }), ` · ${c.shop_name} · ${pct(c.rate_bp)} · ${c.kind === "open" ? "open" : "for you"} · ${c.status}`),
    ...actions);
}

function item(s) {
  const link = `${location.origin}/api/v1/a/${me}/${s.product_id}`;
  const copy = button("Copy link", `Copy your link to ${s.title}`, async () => { await navigator.clipboard.writeText(link); toast("Link copied."); });
  const remove = button("Remove", `Remove ${s.title} from your showcase`, () => api(`/me/showcase/${s.product_id}`, { method: "DELETE" }));
  return el("li", { class: "row showcase-item", "data-product": s.product_id },
    el("span", { class: "grow" }, el("a", { href: `/products/${s.product_id}`, text: s.title }),
      s.rate_bp === null ? " · no active collaboration" : ` · ${pct(s.rate_bp)}`,
      el("br"), el("small", { class: "muted", text: s.why || "" })),
    copy, remove);
}

async function load() {
  const [offers, showcase] = await Promise.all([api("/me/collaborations"), api("/me/showcase")]);
  const showcased = new Set(showcase.map((s) => s.product_id));
  $("#offers").replaceChildren(...offers.map((c) => offer(c, showcased)));
  if (!offers.length) $("#offers").append(el("li", { text: "No offers yet." }));
  $("#showcase").replaceChildren(...showcase.map(item));
  if (!showcase.length) $("#showcase").append(el("li", { text: "Your showcase is empty." }));
  document.body.dataset.ready = "collaborations";
}

load().catch((e) => toast(e.message));
