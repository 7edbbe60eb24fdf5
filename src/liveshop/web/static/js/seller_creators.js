// Creators allowed to sell the shop's products: list, allow by id, remove.
import { $, api, el, t, toast } from "./common.js";
import { currentShop, showError } from "./seller_common.js";

let shop = null;

async function load() {
  if (!shop) return;
  const creators = await api(`/shops/${shop.id}/creators`);
  $("#creators").replaceChildren(...creators.map((c) => {
    const remove = el("button", { type: "button", class: "secondary small", "aria-label": t("Remove {display_name}", { display_name: c.display_name }), text: t("Remove") });
    remove.addEventListener("click", async () => {
      remove.disabled = true;
      try {
        await api(`/shops/${shop.id}/creators/${c.id}`, { method: "DELETE" });
        toast(t("{display_name} can no longer sell your products.", { display_name: c.display_name }));
        await load();
      } catch (e) { toast(e.message); remove.disabled = false; }
    });
    return el("li", { class: "row creator", "data-creator": c.id },
      el("span", { class: "grow" }, el("strong", { text: c.display_name }), t(" @{handle} · ID {id}", { handle: c.handle, id: c.id })), remove);
  }));
  if (!creators.length) $("#creators").append(el("li", { text: t("No creators yet.") }));
}

let lookup = 0;
$("#creator-id").addEventListener("input", async () => {
  const id = Number($("#creator-id").value);
  const mine = ++lookup;
  $("#creator-preview").textContent = "";
  if (!Number.isInteger(id) || id < 1) return;
  try {
    const u = await api(`/users/${id}`);
    if (mine !== lookup) return;
    $("#creator-preview").textContent = u.roles.includes("creator")
      ? `${u.display_name} (@${u.handle})` : t("{display_name} is not a creator.", { display_name: u.display_name });
  } catch (e) { if (mine === lookup) $("#creator-preview").textContent = e.status === 404 ? t("No user with this ID.") : ""; }
});

$("#creator-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  showError($("#creator-error"));
  const id = Number($("#creator-id").value);
  try {
    if (!Number.isInteger(id) || id < 1) throw new Error("Enter the creator's ID (a whole number).");
    const c = await api(`/shops/${shop.id}/creators`, { method: "POST", body: { creator_id: id } });
    toast(t("{display_name} can now sell your products.", { display_name: c.display_name }));
    ev.target.reset();
    $("#creator-preview").textContent = "";
    await load();
  } catch (e) { showError($("#creator-error"), e); }
});

currentShop((s) => { shop = s; load(); })
  .then((s) => { shop = s; $("#creator-form").hidden = !s; return load(); })
  .catch((e) => toast(e.message));
