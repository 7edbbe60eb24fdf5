import { $, api, el, market, priceIn, when } from "./common.js";

const showItem = (s) => el("li", { class: "show" },
  el("a", { href: `/shows/${s.id}` }, el("strong", { text: s.title })),
  el("span", { class: "muted", text: ` by ${s.host_name} · ` }),
  s.status === "live" ? el("span", { class: "badge live", text: "LIVE" }) : when(s.starts_at));

async function load() {
  const q = new URLSearchParams(location.search).get("q") || "";
  const [shows, products] = await Promise.all([
    api("/shows"), api(`/products?market=${market}&q=${encodeURIComponent(q)}&limit=40`),
  ]);
  const list = Array.isArray(shows) ? shows : shows.items;
  const live = list.filter((s) => s.status === "live");
  const upcoming = list.filter((s) => s.status === "scheduled");
  $("#live-now").replaceChildren(...(live.length ? live.map(showItem) : [el("li", { text: "Nobody is live right now." })]));
  $("#upcoming").replaceChildren(...(upcoming.length ? upcoming.map(showItem) : [el("li", { text: "No shows scheduled." })]));
  $("#products").replaceChildren(...products.items.map((p) => {
    const price = priceIn(p.variants[0]?.prices || []);
    return el("li", { class: "card" },
      el("a", { href: `/products/${p.id}` },
        el("img", { src: p.images[0] || `/img/placeholder.svg?t=${encodeURIComponent(p.title.slice(0, 40))}`, alt: "", loading: "lazy", width: 300, height: 300 }),
        el("span", { class: "title", text: p.title })),
      el("span", { class: "price", text: price ? price.formatted : "Not sold here" }));
  }));
  if (!products.items.length) $("#products").append(el("li", { text: "No products found." }));
}
load();
