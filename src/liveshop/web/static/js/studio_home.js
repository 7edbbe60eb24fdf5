// The studio home: my shows by state, and the "Schedule a show" form.
import { $, api, el, market, priceIn, t, nt, label } from "./common.js";
import { clearProblems, creatorZone, fieldError, formatIn, showProblem, zonedToIso } from "./studio_util.js";

const root = $("#studio-home");
const me = Number(root.dataset.user);
const tz = creatorZone(root.dataset.tz);
const form = $("#schedule-form");
const alert = $("#schedule-error");
const ownShops = new Set();

function showRow(s) {
  const products = s.product_ids.length;
  return el("li", { class: "show-row" },
    el("a", { href: `/studio/shows/${s.id}`, class: "title", text: s.title }),
    el("span", { class: `badge${s.status === "live" ? " live" : ""}`, text: label(s.status) }),
    el("span", { class: "muted" }, formatIn(s.starts_at, tz), " · " + nt("{n} product", "{n} products", products)),
    s.status === "live" ? el("a", { href: `/shows/${s.id}`, text: t("Open live room") }) : null);
}

function fill(list, shows, empty) {
  list.replaceChildren(...(shows.length ? shows.map(showRow) : [el("li", { class: "muted", text: empty })]));
}

async function loadShows() {
  const q = ["live", "scheduled", "ended", "cancelled"].map((s) => `status=${s}`).join("&");
  const shows = await api(`/shows?host_id=${me}&${q}&limit=100`);
  fill($("#shows-live"), shows.filter((s) => s.status === "live"), t("Nothing live right now."));
  fill($("#shows-upcoming"), shows.filter((s) => s.status === "scheduled"), t("No upcoming shows. Schedule one below."));
  fill($("#shows-past"), shows.filter((s) => s.status === "ended" || s.status === "cancelled").reverse(), t("No past shows yet."));
}

async function loadMarkets() {
  const markets = (await api("/markets")).filter((m) => m.enabled);
  $("#market-boxes").replaceChildren(...markets.map((m) => el("label", { class: "inline" },
    el("input", { type: "checkbox", name: "markets", value: m.code, checked: m.code === market }),
    ` ${m.name} (${m.currency})`)));
}

async function loadShops() {
  // Only shops whose products I may sell: my own, then those that allow me as a creator.
  const shops = await api("/me/allowed-shops");
  const mine = shops.filter((s) => s.via !== "allowed");
  const allowing = shops.filter((s) => s.via === "allowed");
  for (const s of mine) ownShops.add(s.id);
  const option = (s) => el("option", { value: s.id, text: s.name });
  const select = $("#s-shop");
  select.replaceChildren(...[
    el("option", { value: "", text: shops.length ? t("Choose a shop") : t("No shop yet") }),
    mine.length ? el("optgroup", { label: t("Your shops") }, ...mine.map(option)) : null,
    allowing.length ? el("optgroup", { label: t("Shops that allow you") }, ...allowing.map(option)) : null,
  ].filter(Boolean));
  if (shops.length === 1) select.value = String(shops[0].id);
  if (!shops.length) $("#shop-hint").textContent = t("No shops yet: open your own, or ask a shop to add you as a creator.");
  await loadProducts();
}

async function loadProducts() {
  const box = $("#product-boxes");
  const shopId = Number($("#s-shop").value);
  if (!shopId) { box.replaceChildren(el("p", { class: "muted", text: t("Choose a shop first.") })); return; }
  box.replaceChildren(el("p", { class: "muted", text: t("Loading products…") }));
  try {
    const page = ownShops.has(shopId)
      ? await api(`/shops/${shopId}/products/manage?limit=100`)
      : await api(`/products?shop_id=${shopId}&limit=100`);
    const products = page.items.filter((p) => p.status !== "archived");
    box.replaceChildren(...(products.length ? products.map((p) => {
      const price = priceIn(p.variants[0]?.prices || []);
      return el("label", { class: "check" },
        el("input", { type: "checkbox", name: "product_ids", value: p.id }),
        ` ${p.title}`, price ? el("span", { class: "muted", text: `· ${price.formatted}` }) : null,
        p.status === "draft" ? el("span", { class: "badge", text: t("draft") }) : null);
    }) : [el("p", { class: "muted", text: t("This shop has no products yet.") })]));
  } catch (e) {
    box.replaceChildren(el("p", { class: "error", text: e.message }));
  }
}

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  clearProblems(form, alert);
  const f = new FormData(form);
  const title = String(f.get("title")).trim();
  const local = String(f.get("starts_at"));
  const markets = f.getAll("markets");
  if (!title) return fieldError(form, alert, "title", t("Give the show a title."));
  const startsAt = local ? zonedToIso(local, tz) : null;
  if (!startsAt) return fieldError(form, alert, "starts_at", t("Choose when the show starts."));
  if (!markets.length) return fieldError(form, alert, "markets", t("Choose at least one market."));
  const shopId = Number(f.get("shop")) || null;
  const body = {
    title, starts_at: startsAt, markets,
    cover_url: String(f.get("cover_url")).trim() || null,
    product_ids: f.getAll("product_ids").map(Number),
    shop_id: shopId && ownShops.has(shopId) ? shopId : null,
  };
  const button = $("#schedule-submit");
  button.disabled = true;
  try {
    const show = await api("/shows", { method: "POST", body });
    location.assign(`/studio/shows/${show.id}`);
  } catch (e) {
    if (e.code === "product_not_allowed") fieldError(form, alert, "product_ids", e.message);
    else showProblem(form, alert, e);
    button.disabled = false;
  }
});

$("#s-shop").addEventListener("change", loadProducts);
$("#tz-hint").textContent = t("In your time zone, {tz}.", { tz });
Promise.all([loadShows(), loadMarkets(), loadShops()]).catch((e) => { alert.textContent = e.message; });
