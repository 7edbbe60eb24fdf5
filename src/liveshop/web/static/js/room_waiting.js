// The waiting room: what a scheduled show's page shows before it goes live.
import { $, api, el, priceIn, shelf, t, toast, when } from "./common.js";

let timer = null;
let show = null;
let going = false; // whether I asked to be notified

function countdown() {
  if (!show) return;
  const secs = Math.max(0, Math.round((Date.parse(show.starts_at) - Date.now()) / 1000));
  const d = Math.floor(secs / 86400);
  const h = Math.floor((secs % 86400) / 3600);
  const m = Math.floor((secs % 3600) / 60);
  const s = secs % 60;
  const pad = (n) => String(n).padStart(2, "0");
  const clock = [h, m, s].map(pad).join(":");
  $("#waiting-countdown").textContent = secs === 0
    ? t("Any moment now")
    : d ? t("Starts in {days} d {clock}", { days: d, clock }) : t("Starts in {clock}", { clock });
}

function renderRsvp() {
  const b = $("#waiting-rsvp");
  if (!b) return;
  b.textContent = going ? t("You'll be notified · cancel") : t("Notify me when it starts");
  b.setAttribute("aria-pressed", String(going));
  const n = show.rsvp_count;
  $("#waiting-rsvps").textContent = n === 1 ? t("1 person wants") : t("{n} people want", { n });
}

async function toggleRsvp() {
  try {
    await api(`/shows/${show.id}/rsvp`, { method: going ? "DELETE" : "PUT" });
    show.rsvp_count += going ? -1 : 1;
    going = !going;
    renderRsvp();
  } catch (e) { toast(e.message); }
}

function lineupCard(p) {
  const v = p.variants[0];
  const price = v && priceIn(v.prices);
  return el("li", { class: "card" },
    el("a", { href: `/products/${p.id}`, class: "title", text: p.title }),
    el("span", { class: "price", text: price ? shelf(price) : t("Not sold in your market") }));
}

// Show the waiting room while the show is scheduled; hide it for every other status.
export async function waitingRoom(showId, status, signedIn) {
  const scheduled = status === "scheduled";
  $("#waiting").hidden = !scheduled;
  if (!scheduled) { clearInterval(timer); timer = null; return; }
  if (show) return;
  show = await api(`/shows/${showId}`);
  $("#waiting-when").replaceChildren(when(show.starts_at));
  const host = $("#waiting-host");
  host.textContent = show.host_name;
  host.href = `/creators/${show.host_id}`;
  if (signedIn) going = (await api("/me/rsvps").catch(() => [])).includes(show.id);
  $("#waiting-rsvp")?.addEventListener("click", toggleRsvp);
  renderRsvp();
  countdown();
  timer = setInterval(countdown, 1000);
  const products = await Promise.all(
    show.product_ids.slice(0, 12).map((id) => api(`/products/${id}`).catch(() => null)));
  const shown = products.filter(Boolean);
  $("#lineup").hidden = !shown.length;
  $("#lineup-list").replaceChildren(...shown.map(lineupCard));
}
