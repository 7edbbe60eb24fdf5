// A multi-brand event: its shows from several shops, grouped by day in the viewer's time zone.
import { $, api, el, t, when } from "./common.js";
import { showLink, statusBadge } from "./cards.js";

const slug = $("#event").dataset.slug;
const dayKey = new Intl.DateTimeFormat("en-CA", { year: "numeric", month: "2-digit", day: "2-digit" });
const dayName = new Intl.DateTimeFormat(document.documentElement.lang, { weekday: "long", day: "numeric", month: "long", year: "numeric" });
const timeOf = new Intl.DateTimeFormat(document.documentElement.lang, { timeStyle: "short" });

function showRow(s, shops) {
  const shop = shops.get(s.shop_id);
  const at = new Date(s.starts_at);
  return el("li", { class: "slot", "data-show": s.id },
    el("time", { datetime: s.starts_at, class: "slot-time", text: timeOf.format(at) }),
    el("div", {},
      showLink(s), " ", statusBadge(s),
      el("p", { class: "muted" },
        shop ? el("a", { href: `/shops/${shop.id}`, class: "shop-name", text: shop.name }) : "",
        t(" · hosted by "), el("a", { href: `/creators/${s.host_id}`, text: s.host_name }))));
}

async function load() {
  let event;
  try {
    event = await api(`/events/${encodeURIComponent(slug)}`);
  } catch (e) {
    $("#e-title").textContent = t("Event not found");
    $("#e-error").textContent = e.message;
    return;
  }
  document.title = t("{title} · Liveshop", { title: event.title });
  $("#e-title").textContent = event.title;
  $("#e-desc").textContent = event.description;
  $("#e-dates").replaceChildren(when(event.starts_at), " – ", when(event.ends_at));
  $("#e-tz").textContent = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const shops = new Map();
  await Promise.all(event.shop_ids.map(async (id) => {
    shops.set(id, await api(`/shops/${id}`).catch(() => null));
  }));
  const days = new Map();
  for (const s of event.shows) {
    const key = dayKey.format(new Date(s.starts_at));
    if (!days.has(key)) days.set(key, []);
    days.get(key).push(s);
  }
  const sections = [...days.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, list]) => {
    const headingId = `day-${key}`;
    return el("section", { class: "day", "aria-labelledby": headingId, "data-day": key },
      el("h3", { id: headingId, text: dayName.format(new Date(list[0].starts_at)) }),
      el("ol", { class: "slots" }, ...list.map((s) => showRow(s, shops))));
  });
  $("#e-schedule").replaceChildren(...(sections.length ? sections : [el("p", { class: "muted", text: t("No shows announced yet.") })]));
}
load().catch((e) => { $("#e-error").textContent = e.message; });
