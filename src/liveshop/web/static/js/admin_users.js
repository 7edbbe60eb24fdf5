// Users: roles (checkboxes) and bans.
import { $, api, el, t, nt, label } from "./common.js";

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
    return el("label", { for: id }, el("input", { type: "checkbox", id, value: r, checked: u.roles.includes(r), disabled: fixed }), label(r));
  });
  const save = el("button", { type: "button", class: "small", "aria-label": t("Save roles of {display_name}", { display_name: u.display_name }), text: t("Save roles") });
  save.addEventListener("click", async () => {
    const roles = boxes.map((b) => b.querySelector("input")).filter((i) => i.checked).map((i) => i.value);
    save.disabled = true;
    try {
      Object.assign(u, await api(`/admin/users/${u.id}`, { method: "PATCH", body: { roles } }));
      redraw(u, t("Roles saved: {v1}.", { v1: u.roles.join(", ") }));
    } catch (e) { msg.className = "error"; msg.textContent = e.message; save.disabled = false; }
  });
  const ban = el("button", { type: "button", class: u.banned ? "secondary small" : "small",
    "aria-label": u.banned ? t("Unban {name}", { name: u.display_name }) : t("Ban {name}", { name: u.display_name }), text: u.banned ? t("Unban") : t("Ban"), disabled: u.id === me });
  ban.addEventListener("click", async () => {
    ban.disabled = true;
    try {
      Object.assign(u, await api(`/admin/users/${u.id}`, { method: "PATCH", body: { banned: !u.banned } }));
      redraw(u, u.banned ? t("{display_name} is banned and signed out everywhere.", { display_name: u.display_name }) : t("{display_name} is no longer banned.", { display_name: u.display_name }));
    } catch (e) { msg.className = "error"; msg.textContent = e.message; ban.disabled = false; }
  });
  return el("li", { class: "user", "data-user": u.id },
    el("h3", {}, u.display_name, " ", u.banned ? el("span", { class: "badge banned", text: t("banned") }) : null),
    el("p", { class: "muted", text: t("@{handle} · {email} · {market_code} · ID {id}", { handle: u.handle, email: u.email, market_code: u.market_code, id: u.id }) }),
    el("fieldset", { class: "roles" }, el("legend", { text: t("Roles") }), ...boxes),
    el("div", { class: "row" }, save, ban), msg);
}

function redraw(u, text) {
  const fresh = card(u);
  $(`li.user[data-user="${u.id}"]`).replaceWith(fresh);
  const msg = fresh.querySelector('[role="status"]');
  msg.className = "ok";
  msg.textContent = text;
}

function filters() {
  return { q: $("#user-filter").value.trim(), role: $("#role-filter").value };
}

function render() {
  const { q, role } = filters();
  const narrowed = Boolean(q || role);
  $("#users").replaceChildren(...users.map(card));
  if (!users.length) $("#users").append(el("li", { text: narrowed ? t("No user matches.") : t("No users.") }));
  const range = `${offset + 1}–${Math.min(offset + users.length, total)}`;
  $("#users-count").textContent = !total ? (narrowed ? t("0 users match") : "")
    : narrowed ? nt("{n} user matches", "{n} users match", total) + (total > users.length ? t(" (showing {range})", { range }) : "")
    : t("Users {range} of {total}", { range, total });
  $("#prev").disabled = offset === 0;
  $("#next").disabled = offset + LIMIT >= total;
  $(".pager").hidden = offset === 0 && total <= LIMIT;
}

let latest = 0; // only the newest request may draw, so a slow old answer never replaces a new one

async function load() {
  const { q, role } = filters();
  const params = new URLSearchParams({ limit: LIMIT, offset });
  if (q) params.set("q", q);
  if (role) params.set("role", role);
  const mine = ++latest;
  $("#users").setAttribute("aria-busy", "true");
  try {
    const page = await api(`/admin/users?${params}`);
    if (mine !== latest) return;
    users = page.items;
    total = page.total;
    $("#admin-msg").className = ""; $("#admin-msg").textContent = "";
    render();
    // Keep the search in the address, so a reload or a shared link shows the same users.
    const shown = new URLSearchParams();
    if (q) shown.set("q", q);
    if (role) shown.set("role", role);
    history.replaceState(null, "", shown.toString() ? `?${shown}` : location.pathname);
  } catch (e) {
    if (mine === latest) { $("#admin-msg").className = "error"; $("#admin-msg").textContent = e.message; }
  } finally {
    if (mine === latest) $("#users").removeAttribute("aria-busy");
  }
}

let timer = 0;
function search() {
  clearTimeout(timer);
  timer = setTimeout(() => { offset = 0; load(); }, 250);
}

const initial = new URLSearchParams(location.search);
$("#user-filter").value = initial.get("q") || "";
$("#role-filter").value = ROLES.includes(initial.get("role")) ? initial.get("role") : "";
$("#user-filter").addEventListener("input", search);
$("#role-filter").addEventListener("change", () => { clearTimeout(timer); offset = 0; load(); });
$("#user-search").addEventListener("submit", (ev) => { ev.preventDefault(); clearTimeout(timer); offset = 0; load(); });
$("#prev").addEventListener("click", () => { offset = Math.max(0, offset - LIMIT); load(); });
$("#next").addEventListener("click", () => { offset += LIMIT; load(); });
load();
