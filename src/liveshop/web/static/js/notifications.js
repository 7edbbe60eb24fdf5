// The inbox: newest first, unread ones highlighted, "Mark all read", older ones on demand.
import { $, api, el, nt, t, when } from "./common.js";

const PAGE = 30;
let offset = 0;

function item(n) {
  const unread = !n.read_at;
  const title = n.url && n.url.startsWith("/") && !n.url.startsWith("//")
    ? el("a", { href: n.url, class: "n-title", text: n.title })
    : el("strong", { class: "n-title", text: n.title });
  return el("li", { class: `notification${unread ? " unread" : ""}`, "data-id": n.id },
    unread ? el("span", { class: "badge new", text: t("New") }) : null,
    title,
    n.body ? el("p", { class: "n-body", text: n.body }) : null,
    el("p", { class: "muted" }, when(n.created_at)));
}

async function unreadCount() {
  const page = await api("/me/notifications?unread=true&limit=1");
  $("#n-unread").textContent = nt("{n} unread", "{n} unread", page.total);
  $("#n-unread").hidden = !page.total;
  $("#n-read").disabled = !page.total;
}

async function more(reset = false) {
  if (reset) offset = 0;
  const page = await api(`/me/notifications?limit=${PAGE}&offset=${offset}`);
  const items = page.items.map(item);
  if (reset) $("#notifications").replaceChildren(...items);
  else $("#notifications").append(...items);
  offset += page.items.length;
  $("#n-more").hidden = offset >= page.total;
  if (!page.total) $("#notifications").replaceChildren(el("li", { class: "muted", text: t("Nothing yet. Follow shops and creators to hear when they go live.") }));
}

$("#n-more").addEventListener("click", () => more().catch((e) => { $("#n-error").textContent = e.message; }));
$("#n-read").addEventListener("click", async () => {
  $("#n-read").disabled = true;
  try {
    await api("/me/notifications/read", { method: "POST" });
    await Promise.all([more(true), unreadCount()]);
  } catch (e) {
    $("#n-error").textContent = e.message;
    $("#n-read").disabled = false;
  }
});
Promise.all([more(true), unreadCount()]).catch((e) => { $("#n-error").textContent = e.message; });
