import { $, api, el, market, priceIn, shelf, t, when, nt } from "./common.js";

const showItem = (s) => el("li", { class: "show" },
  el("a", { href: `/shows/${s.id}` }, el("strong", { text: s.title })),
  el("span", { class: "muted" }, " " + t("by") + " ", el("a", { href: `/creators/${s.host_id}`, text: s.host_name }), " · "),
  s.status === "live" ? el("span", { class: "badge live", text: t("LIVE") }) : when(s.starts_at));

// Multi-brand events still running or coming up; the section stays hidden when there are none.
const eventItem = (e) => {
  const shops = e.shop_ids.length;
  return el("li", { class: "card event-card" },
    el("a", { href: `/events/${encodeURIComponent(e.slug)}`, class: "title", text: e.title }),
    el("span", { class: "muted" }, when(e.starts_at), " – ", when(e.ends_at)),
    el("span", { class: "muted", text: nt("{n} show", "{n} shows", e.shows.length) + " " + nt("from {n} shop", "from {n} shops", shops) }));
};

async function loadEvents() {
  const events = (await api("/events?limit=20")).filter((e) => Date.parse(e.ends_at) > Date.now());
  $("#events").replaceChildren(...events.map(eventItem));
  $("#events-section").hidden = !events.length;
}

async function load() {
  const q = new URLSearchParams(location.search).get("q") || "";
  const [shows, products] = await Promise.all([
    api("/shows"), api(`/products?market=${market}&q=${encodeURIComponent(q)}&limit=40`),
  ]);
  const list = Array.isArray(shows) ? shows : shows.items;
  const live = list.filter((s) => s.status === "live");
  const upcoming = list.filter((s) => s.status === "scheduled");
  $("#live-now").replaceChildren(...(live.length ? live.map(showItem) : [el("li", { text: t("Nobody is live right now.") })]));
  $("#upcoming").replaceChildren(...(upcoming.length ? upcoming.map(showItem) : [el("li", { text: t("No shows scheduled.") })]));
  $("#products").replaceChildren(...products.items.map((p) => {
    const price = priceIn(p.variants[0]?.prices || []);
    return el("li", { class: "card" },
      el("a", { href: `/products/${p.id}` },
        el("img", { src: p.images[0] || `/img/placeholder.svg?t=${encodeURIComponent(p.title.slice(0, 40))}`, alt: "", loading: "lazy", width: 300, height: 300 }),
        el("span", { class: "title", text: p.title })),
      el("span", { class: "price", text: price ? shelf(price) : t("Not sold here") }));
  }));
  if (!products.items.length) $("#products").append(el("li", { text: t("No products found.") }));
}
load();
loadEvents().catch(() => {});
