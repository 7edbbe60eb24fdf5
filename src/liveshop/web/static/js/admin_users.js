// Users: roles (checkboxes) and bans.
import { $, api, el } from "./common.js";

const ROLES = ["buyer", "creator", "seller", "moderator", "admin"];
const LIMIT = 100;
const me = Number(document.body.dataset.user);
let offset = 0;
let users = [];
let total = 0;

function card(u) {
  const msg = el("p", { role: "status" });
  const boxes = ROLES.map((r) => {
    const id = `role-${u.id}-${r}`;
    // Everyone is a buyer (the server keeps it); an admin cannot drop their own admin role.
    const fixed = r === "buyer" || (r === "admin" && u.id === me);
    return el("label", { for: id }, el("input", { type: "checkbox", id, value: r, checked: u.roles.includes(r), disabled: fixed }), r);
  });
  const save = el("button", { type: "button", class: "small", "aria-label": `Save roles of ${u.display_name}`, text: "Save roles" });
  save.addEventListener("click", async () => {
    const roles = boxes.map((b) => b.querySelector("input")).filter((i) => i.checked).map((i) => i.value);
    save.disabled = true;
    try {
      Object.assign(u, await api(`/admin/users/${u.id}`, { method: "PATCH", body: { roles } }));
      redraw(u, `Roles saved: ${u.roles.join(", ")}.`);
    } catch (e) { msg.className = "error"; msg.textContent = e.message; save.disabled = false; }
  });
  const ban = el("button", { type: "button", class: u.banned ? "secondary small" : "small",
    "aria-label": `${u.banned ? "Unban" : "Ban"} ${u.display_name}`, text: u.banned ? "Unban" : "Ban", disabled: u.id === me });
  ban.addEventListener("click", async () => {
    ban.disabled = true;
    try {
      Object.assign(u, await api(`/admin/users/${u.id}`, { method: "PATCH", body: { banned: !u.banned } }));
      redraw(u, u.banned ? `${u.display_name} is banned and signed out everywhere.` : `${u.display_name} is no longer banned.`);
    } catch (e) { msg.className = "error"; msg.textContent = e.message; ban.disabled = false; }
  });
  return el("li", { class: "user", "data-user": u.id },
    el("h3", {}, u.display_name, " ", u.banned ? el("span", { class: "badge banned", text: "banned" }) : null),
    el("p", { class: "muted", text: `@${u.handle} · ${u.email} · ${u.market_code} · ID ${u.id}` }),
    el("fieldset", { class: "roles" }, el("legend", { text: "Roles" }), ...boxes),
    el("div", { class: "row" }, save, ban), msg);
}

function redraw(u, text) {
  const fresh = card(u);
  $(`li.user[data-user="${u.id}"]`).replaceWith(fresh);
  const msg = fresh.querySelector('[role="status"]');
  msg.className = "ok";
  msg.textContent = text;
}

function render() {
  const q = $("#user-filter").value.trim().toLowerCase();
  const shown = users.filter((u) => !q || [u.display_name, u.handle, u.email].some((s) => s.toLowerCase().includes(q)));
  $("#users").replaceChildren(...shown.map(card));
  if (!shown.length) $("#users").append(el("li", { text: q ? "No user on this page matches." : "No users." }));
  $("#users-count").textContent = total ? `Users ${offset + 1}–${Math.min(offset + users.length, total)} of ${total}` : "";
  $("#prev").disabled = offset === 0;
  $("#next").disabled = offset + LIMIT >= total;
  $(".pager").hidden = offset === 0 && total <= LIMIT;
}

async function load() {
  const page = await api(`/admin/users?limit=${LIMIT}&offset=${offset}`);
  users = page.items;
  total = page.total;
  render();
}

$("#user-filter").addEventListener("input", render);
$("#prev").addEventListener("click", () => { offset = Math.max(0, offset - LIMIT); load(); });
$("#next").addEventListener("click", () => { offset += LIMIT; load(); });
load().catch((e) => { $("#admin-msg").textContent = e.message; });
