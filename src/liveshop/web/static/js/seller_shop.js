import { $, api, el, market, t, toast, when, label } from "./common.js";
import { currentShop, markets, rememberShop, showError } from "./seller_common.js";

const NOTES = {
  pending: t("An operator reviews new shops; verified shops show a badge to buyers."),
  verified: t("Buyers see your shop as verified."),
  rejected: t("An operator could not verify this shop. Update the profile and contact support."),
};
let shop = null;

function showProfile(s) {
  shop = s;
  $("#profile").hidden = false;
  $("#verification").textContent = label(s.verification);
  $("#verification").className = `badge ${s.verification}`;
  $("#verification-note").textContent = NOTES[s.verification] || "";
  $("#shop-slug").textContent = s.slug;
  $("#shop-link").href = `/shops/${s.id}`;
  $("#shop-created").replaceChildren(when(s.created_at));
  $("#shop-name").value = s.name;
  $("#shop-description").value = s.description;
  showError($("#profile-error"));
  $("#profile-msg").textContent = "";
  markets().then((ms) => {
    const m = ms.find((x) => x.code === s.market_code);
    $("#shop-market").textContent = m ? `${m.name} (${m.currency})` : s.market_code;
  });
}

$("#profile-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const button = ev.submitter || $("#profile-form button");
  button.disabled = true;
  try {
    const saved = await api(`/shops/${shop.id}`, {
      method: "PATCH", body: { name: $("#shop-name").value, description: $("#shop-description").value },
    });
    showProfile(saved);
    $("#profile-msg").textContent = t("Saved.");
    toast(t("Shop profile saved."));
  } catch (e) { showError($("#profile-error"), e); } finally { button.disabled = false; }
});

$("#create-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  const body = { name: f.get("name"), market: f.get("market"), description: f.get("description") };
  if (f.get("slug")) body.slug = f.get("slug");
  try {
    const created = await api("/shops", { method: "POST", body });
    rememberShop(created.id);
    location.href = `/seller/shop?shop=${created.id}`;
  } catch (e) { showError($("#create-error"), e); }
});

async function load() {
  const ms = await markets();
  $("#new-market").replaceChildren(...ms.filter((m) => m.enabled).map((m) =>
    el("option", { value: m.code, text: `${m.name} (${m.currency})`, selected: m.code === market })));
  const s = await currentShop(showProfile, { emptyHint: false });
  $("#loading").hidden = true;
  $("#create").hidden = false;
  if (s) {
    showProfile(s);
    $("#create-h").textContent = t("Another shop?");
    $("#create-form").hidden = true;
    $("#create-toggle").hidden = false;
    $("#create-toggle").addEventListener("click", () => {
      $("#create-form").hidden = false;
      $("#create-toggle").hidden = true;
      $("#create-toggle").setAttribute("aria-expanded", "true");
      $("#new-name").focus();
    });
  } else {
    $("#shop-pick").replaceChildren(el("p", { class: "note", text: t("You have no shop yet. Create one below to start selling.") }));
  }
}
load().catch((e) => { $("#loading").textContent = e.message; });
