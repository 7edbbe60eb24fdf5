// Shops and their verification: verify, reject or unverify.
import { $, api, el, t, when, label } from "./common.js";

const LIMIT = 100;
let offset = 0;
let shops = [];
let total = 0;

function actions(s) {
  const to = (verification, label) => {
    const b = el("button", { type: "button", class: verification === "verified" ? "small" : "secondary small", "aria-label": `${label} ${s.name}`, text: label });
    b.addEventListener("click", async () => {
      b.disabled = true;
      try {
        const saved = await api(`/admin/shops/${s.id}`, { method: "PATCH", body: { verification } });
        Object.assign(s, saved);
        $("#admin-msg").textContent = t("{name} is now {verification}.", { name: s.name, verification: saved.verification });
        render();
      } catch (e) { $("#admin-msg").textContent = e.message; b.disabled = false; }
    });
    return b;
  };
  if (s.verification === "verified") return [to("pending", t("Unverify"))];
  return [to("verified", t("Verify")), s.verification === "pending" ? to("rejected", t("Reject")) : to("pending", t("Back to pending"))];
}

function render() {
  const filter = $("#verification-filter").value;
  const shown = shops.filter((s) => !filter || s.verification === filter);
  $("#shops").replaceChildren(...shown.map((s) => el("tr", { "data-shop": s.id },
    el("th", { scope: "row" }, el("a", { href: `/shops/${s.id}`, text: s.name }), el("div", { class: "hint slug", text: s.slug })),
    el("td", { text: s.market_code }),
    el("td", { class: "opt" }, when(s.created_at)),
    el("td", {}, el("span", { class: `badge ${s.verification}`, text: label(s.verification) })),
    el("td", {}, el("div", { class: "row" }, ...actions(s))))));
  if (!shown.length) $("#shops").append(el("tr", {}, el("td", { colspan: 5, text: filter ? t("No {filter} shops on this page.", { filter }) : t("No shops yet.") })));
  const last = Math.min(offset + shops.length, total);
  $("#shops-count").textContent = total ? t("Shops {v1}–{last} of {total}", { v1: offset + 1, last, total }) : "";
  $("#prev").disabled = offset === 0;
  $("#next").disabled = offset + LIMIT >= total;
  $(".pager").hidden = offset === 0 && total <= LIMIT;
}

async function load() {
  const page = await api(`/shops?limit=${LIMIT}&offset=${offset}`);
  shops = page.items;
  total = page.total;
  render();
}

$("#verification-filter").addEventListener("change", render);
$("#prev").addEventListener("click", () => { offset = Math.max(0, offset - LIMIT); load(); });
$("#next").addEventListener("click", () => { offset += LIMIT; load(); });
load().catch((e) => { $("#admin-msg").textContent = e.message; });
