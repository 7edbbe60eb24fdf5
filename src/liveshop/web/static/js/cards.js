// Small list items shared by the buyer pages: a product card and a show row.
import { trackCard } from "./analytics_beacon.js";
import { el, market, priceIn, shelf, t, when } from "./common.js";

export const placeholder = (title) => `/img/placeholder.svg?t=${encodeURIComponent(title.slice(0, 40))}`;

/** A product card; listed cards count their impressions and clicks (analytics beacon). */
export function productCard(p) {
  const price = priceIn(p.variants[0]?.prices || []);
  const card = el("li", { class: "card", "data-product": p.id },
    el("a", { href: `/products/${p.id}` },
      el("img", { src: p.images[0] || placeholder(p.title), alt: "", loading: "lazy", width: 300, height: 300 }),
      el("span", { class: "title", text: p.title })),
    el("span", { class: price ? "price" : "muted", text: price ? shelf(price) : t("Not sold in your market") }));
  return trackCard(card, { product_id: p.id, shop_id: p.shop_id, market });
}

// Where a show's link goes: the room while live or upcoming, the replay once it ended.
export function showLink(s) {
  if (s.status === "ended") return el("a", { href: `/shows/${s.id}/replay`, text: t("Watch replay: {title}", { title: s.title }) });
  if (s.status === "cancelled") return el("span", { text: s.title });
  return el("a", { href: `/shows/${s.id}` }, el("strong", { text: s.title }));
}

export function statusBadge(s) {
  if (s.status === "live") return el("span", { class: "badge live", text: t("LIVE") });
  return el("span", { class: `badge ${s.status}`, text: s.status === "scheduled" ? "upcoming" : s.status });
}

export function showItem(s, { host = true } = {}) {
  return el("li", { class: "show", "data-show": s.id },
    showLink(s), " ", statusBadge(s),
    el("span", { class: "muted" },
      ...(host ? [" " + t("by") + " ", el("a", { href: `/creators/${s.host_id}`, text: s.host_name }), " · "] : [" · "]),
      when(s.status === "ended" ? (s.went_live_at || s.starts_at) : s.starts_at)));
}

export const empty = (text) => el("li", { class: "muted", text });
