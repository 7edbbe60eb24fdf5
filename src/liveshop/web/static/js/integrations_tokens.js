// API tokens of a shop or a creator: list, make (the secret is shown once), revoke.
import { $, api, el, t, toast, when } from "./common.js";
import { showError } from "./seller_common.js";
import { checked, withOwner } from "./integrations_common.js";

let owner = null;

async function load() {
  const rows = await api(`/integrations/tokens?owner_kind=${owner.kind}&owner_id=${owner.id}`);
  $("#tokens").replaceChildren(...rows.map((tok) => {
    const revoke = el("button", { type: "button", class: "secondary small", "aria-label": t("Revoke {name}", { name: tok.name }), text: t("Revoke") });
    revoke.addEventListener("click", async () => {
      revoke.disabled = true;
      try {
        await api(`/integrations/tokens/${tok.id}`, { method: "DELETE" });
        toast(t("{name} is revoked.", { name: tok.name }));
        await load();
      } catch (e) { toast(e.message); revoke.disabled = false; }
    });
    return el("li", { class: "row token", "data-token": tok.id },
      el("span", { class: "grow" }, el("strong", { text: tok.name }), t(" {prefix}… · {v2} · made ", { prefix: tok.prefix, v2: tok.scopes.join(", ") }),
        when(tok.created_at), ...(tok.expires_at ? [t(" · expires "), when(tok.expires_at)] : [])), revoke);
  }));
  if (!rows.length) $("#tokens").append(el("li", { text: t("No tokens yet.") }));
}

$("#token-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  showError($("#token-error"));
  const form = ev.target;
  const days = form.expires_in_days.value ? Number(form.expires_in_days.value) : null;
  try {
    const scopes = checked(form, "scopes");
    if (!scopes.length) throw new Error("Choose at least one scope.");
    const made = await api("/integrations/tokens", {
      method: "POST",
      body: { owner_kind: owner.kind, owner_id: owner.id, name: form.name.value.trim(), scopes, expires_in_days: days },
    });
    $("#new-token").textContent = made.token;
    $("#new-token-box").hidden = false;
    form.reset();
    await load();
  } catch (e) { showError($("#token-error"), e); }
});

withOwner((o) => { owner = o; $("#new-token-box").hidden = true; load().catch((e) => toast(e.message)); })
  .catch((e) => toast(e.message));
