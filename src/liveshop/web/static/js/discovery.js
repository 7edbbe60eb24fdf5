// The Shop tab: live now, the "For you" feed with reasons, search with suggestions as you
// type, facets on results, and infinite scroll (a "Show more" button for keyboards).
import { $, api, el, market, t } from "./common.js";
import { empty, productCard, showItem } from "./cards.js";

const PAGE = 12;
const params = new URLSearchParams(location.search);
const q = params.get("q") || "";
let next = 0;
let loading = false;
let done = false;

const feedCard = (item) => {
  const card = item.kind === "show"
    ? el("li", { class: "card show-card", "data-show": item.id },
      el("a", { href: `/shows/${item.id}` }, el("strong", { text: item.show.title })),
      item.show.status === "live" ? el("span", { class: "badge live", text: t(" LIVE") }) : null)
    : productCard(item.product);
  card.dataset.kind = item.kind;
  card.append(el("span", { class: "reason", text: item.reason }));
  return card;
};

async function loadLive() {
  const shows = await api(`/feed/live?market=${market}`);
  $("#live-now").replaceChildren(...(shows.length ? shows.map((s) => showItem(s)) : [empty(t("Nobody is live right now."))]));
}

function filterQuery() {
  const out = new URLSearchParams({ market, limit: PAGE, offset: next });
  for (const key of ["q", "in_stock", "tag", "category", "shop_id", "min_price", "max_price", "live_now"]) {
    if (params.get(key)) out.set(key, params.get(key));
  }
  return out;
}

function facetGroup(legend, key, entries, label = (e) => e.value) {
  if (!entries.length) return null;
  return el("fieldset", {}, el("legend", { text: legend }),
    ...entries.map((e) => {
      const id = `f-${key}-${e.value ?? e.min}`;
      const value = String(e.value);
      const input = el("input", { type: "checkbox", id, checked: params.get(key) === value });
      input.addEventListener("change", () => {
        if (input.checked) params.set(key, value); else params.delete(key);
        location.search = params.toString();
      });
      return el("label", { for: id }, input, ` ${label(e)} (${e.count})`);
    }));
}

function renderFacets(f) {
  const stock = [{ value: "true", count: f.in_stock }];
  $("#facets").replaceChildren(...[
    facetGroup(t("Availability"), "in_stock", stock, () => t("In stock")),
    facetGroup(t("Live now"), "live_now", f.live_now ? [{ value: "true", count: f.live_now }] : [], () => t("In a live show")),
    facetGroup(t("Category"), "category", f.categories),
    facetGroup(t("Tag"), "tag", f.tags),
    facetGroup(t("Shop"), "shop_id", f.shops, (e) => e.name),
  ].filter(Boolean));
}

async function more() {
  if (loading || done) return;
  loading = true;
  try {
    if (q) {
      const page = await api(`/search/products?${filterQuery()}&facets=${next === 0}`);
      if (next === 0) {
        renderFacets(page.facets);
        const fixes = Object.entries(page.corrected);
        $("#corrected").hidden = !fixes.length;
        $("#corrected").textContent = fixes.length ? t("Including results for {v1}", { v1: fixes.map(([, w]) => w[0]).join(", ") }) : "";
        if (!page.items.length) $("#results").append(empty(t("No products found.")));
      }
      $("#results").append(...page.items.map((h) => productCard(h.product)));
      next += page.items.length;
      done = page.items.length < PAGE;
    } else {
      const page = await api(`/feed?market=${market}&limit=${PAGE}&offset=${next}`);
      if (next === 0 && !page.items.length) $("#feed").append(empty(t("Nothing here yet.")));
      $("#feed").append(...page.items.map(feedCard));
      next = page.next_offset ?? next;
      done = page.next_offset === null;
    }
  } finally {
    loading = false;
    $("#more").hidden = done;
  }
}

// Suggestions: debounced per keystroke, stale answers dropped, arrow keys move, Enter opens.
const input = $("#dq");
const list = $("#suggestions");
let asked = 0;
let active = -1;
let timer;

function closeList() {
  list.hidden = true;
  input.setAttribute("aria-expanded", "false");
  input.removeAttribute("aria-activedescendant");
  active = -1;
}

function highlight(i) {
  const items = [...list.children];
  items.forEach((li, j) => li.setAttribute("aria-selected", String(j === i)));
  active = i;
  if (items[i]) input.setAttribute("aria-activedescendant", items[i].id);
}

async function suggest() {
  const text = input.value;
  if (!text.trim()) { closeList(); return; }
  const mine = ++asked;
  const answer = await api(`/search/suggest?market=${market}&q=${encodeURIComponent(text)}`);
  if (mine !== asked) return;
  list.replaceChildren(...answer.suggestions.map((s, i) =>
    el("li", { role: "option", id: `sugg-${i}`, "data-kind": s.kind, "aria-selected": "false", onclick: () => { location.href = s.url; } },
      s.label)));
  list.dataset.url = JSON.stringify(answer.suggestions.map((s) => s.url));
  list.hidden = !answer.suggestions.length;
  input.setAttribute("aria-expanded", String(!list.hidden));
}

input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(suggest, 60); });
input.addEventListener("keydown", (ev) => {
  const n = list.children.length;
  if (ev.key === "ArrowDown" && n) { ev.preventDefault(); list.hidden = false; highlight((active + 1) % n); }
  else if (ev.key === "ArrowUp" && n) { ev.preventDefault(); highlight((active - 1 + n) % n); }
  else if (ev.key === "Escape") closeList();
  else if (ev.key === "Enter" && active >= 0) { ev.preventDefault(); list.children[active].click(); }
});
input.addEventListener("blur", () => setTimeout(closeList, 150));

if (q) { $("#results-section").hidden = false; $("#feed-section").hidden = true; }
$("#more").addEventListener("click", more);
new IntersectionObserver((entries) => { if (entries.some((e) => e.isIntersecting)) more(); })
  .observe($("#sentinel"));
Promise.all([loadLive(), more()]).then(() => { document.body.dataset.ready = "1"; });
