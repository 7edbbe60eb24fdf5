// The product editor: details, options, and a variants table with a price column per market.
import { $, api, el, t, toast } from "./common.js";
import { currentShop, fromMinor, markets, showError, toMinor } from "./seller_common.js";

const form = $("#product-form");
const productId = form.dataset.product ? Number(form.dataset.product) : null;
const IMAGE = /^(https?:\/\/|\/)\S+$/;
let shop = null;
let product = null;
let allMarkets = [];
let picked = new Set();
let options = [];
let rows = []; // new product: the variant rows being typed
const existing = new Map(); // editing: variant id -> its editable model
let addModel = null;

const blank = () => ({ sku: "", values: ["", "", ""], stock: "0", prices: {} });
const currency = (code) => allMarkets.find((m) => m.code === code)?.currency;
const pickedList = () => allMarkets.filter((m) => picked.has(m.code)).map((m) => m.code);
const modelOf = (v) => ({
  sku: v.sku, values: [...v.option_values], stock: String(v.stock), available: v.available,
  prices: Object.fromEntries(v.prices.map((p) => [p.market, fromMinor(p.amount, p.currency)])),
});
// "variants.1.sku: ..." reads better as "Variant 2: sku: ...".
const friendly = (e) => new Error((e.message || String(e)).replace(/^variants\.(\d+)\.?/, (_, i) => t("Variant {v1}: ", { v1: Number(i) + 1 })));

function input(attrs, get, set) {
  const node = el("input", attrs);
  node.value = get() ?? "";
  node.addEventListener("input", () => set(node.value));
  return node;
}
const field = (id, label, node) => el("td", {}, el("label", { class: "sr-only", for: id, text: label }), node);

function renderMarkets(box) {
  const set = el("fieldset", { class: "roles" }, el("legend", { text: t("Sell in markets") }),
    ...allMarkets.map((m) => {
      const id = `mk-${m.code}`;
      const tick = el("input", { type: "checkbox", id, checked: picked.has(m.code) });
      tick.addEventListener("change", () => {
        if (tick.checked) picked.add(m.code); else picked.delete(m.code);
        renderTables();
      });
      return el("label", { for: id }, tick, `${m.code} · ${m.name} (${m.currency})${m.enabled ? "" : " — switched off"}`);
    }));
  box.replaceChildren(set, el("p", { class: "hint", text:
    t("Each ticked market gets a price column, in that market's currency. A variant saved without a market's price is not sold there.") }));
}

function head(table, { available }) {
  table.tHead.replaceChildren(el("tr", {},
    el("th", { scope: "col", text: t("SKU") }),
    ...options.map((o, i) => el("th", { scope: "col", text: o || t("Option {v1}", { v1: i + 1 }) })),
    el("th", { scope: "col", class: "num", text: t("Stock") }),
    available ? el("th", { scope: "col", class: "num", text: t("Available") }) : null,
    ...pickedList().map((c) => el("th", { scope: "col", text: t("{c} price ({v2})", { c, v2: currency(c) }) })),
    el("th", { scope: "col" }, el("span", { class: "sr-only", text: t("Actions") }))));
}

function cells(model, key, suffix, { identity }) {
  const out = [];
  if (identity) {
    out.push(field(`${key}-sku`, t("SKU, {suffix}", { suffix }), input({ id: `${key}-sku`, class: "sku", maxlength: 64, autocomplete: "off", spellcheck: "false" },
      () => model.sku, (v) => { model.sku = v; })));
    options.forEach((o, i) => out.push(field(`${key}-o${i}`, `${o}, ${suffix}`,
      input({ id: `${key}-o${i}`, maxlength: 60 }, () => model.values[i], (v) => { model.values[i] = v; }))));
  } else {
    out.push(el("th", { scope: "row", text: model.sku }));
    options.forEach((_, i) => out.push(el("td", { text: model.values[i] || "" })));
  }
  out.push(field(`${key}-stock`, t("Stock, {suffix}", { suffix }), input(
    { id: `${key}-stock`, type: "number", min: 0, max: 10000000, step: 1, inputmode: "numeric" },
    () => model.stock, (v) => { model.stock = v; })));
  if (model.available !== undefined) out.push(el("td", { class: "num", text: String(model.available) }));
  for (const c of pickedList()) {
    out.push(field(`${key}-p-${c}`, t("{c} price ({v2}), {suffix}", { c, v2: currency(c), suffix }), input(
      { id: `${key}-p-${c}`, inputmode: "decimal", autocomplete: "off", placeholder: fromMinor(0, currency(c)) },
      () => model.prices[c], (v) => { model.prices[c] = v; })));
  }
  return out;
}

/** The API body for one variant row; throws a readable error for bad input. */
function variantBody(model, { identity }) {
  const name = model.sku.trim() || t("each variant");
  const stockText = String(model.stock).trim();
  const stock = Number(stockText);
  if (!stockText || !Number.isInteger(stock) || stock < 0) throw new Error(`Stock of ${name} must be a whole number, 0 or more.`);
  const prices = [];
  for (const c of pickedList()) {
    const text = (model.prices[c] ?? "").trim();
    if (text) prices.push({ market: c, currency: currency(c), amount: toMinor(text, currency(c)) });
  }
  if (!prices.length) throw new Error(`Give ${name} a price in at least one ticked market.`);
  if (!identity) return { stock, prices };
  if (!model.sku.trim()) throw new Error("Every variant needs a SKU.");
  const values = options.map((_, i) => (model.values[i] || "").trim());
  const missing = options.find((_, i) => !values[i]);
  if (missing) throw new Error(`${name} needs a value for ${missing}.`);
  return { sku: model.sku.trim(), option_values: values, stock, prices };
}

function renderNew() {
  const table = $("#new-variants-table");
  head(table, { available: false });
  table.tBodies[0].replaceChildren(...rows.map((m, i) => el("tr", {},
    ...cells(m, `n${i}`, `variant ${i + 1}`, { identity: true }),
    el("td", {}, rows.length > 1 ? el("button", {
      type: "button", class: "secondary small", "aria-label": t("Remove variant {v1}", { v1: i + 1 }), text: t("Remove"),
      onclick: () => { rows.splice(i, 1); renderNew(); },
    }) : null))));
}

function renderExisting() {
  const table = $("#variants-table");
  head(table, { available: true });
  table.tBodies[0].replaceChildren(...product.variants.map((v) => {
    const model = existing.get(v.id);
    const status = el("span", { class: "row-status", role: "status" });
    const save = el("button", { type: "button", class: "small", "aria-label": t("Save {sku}", { sku: v.sku }), text: t("Save") });
    save.addEventListener("click", async () => {
      status.className = "row-status";
      try {
        const body = variantBody(model, { identity: false });
        save.disabled = true;
        product = await api(`/variants/${v.id}`, { method: "PATCH", body });
        for (const fresh of product.variants) {
          if (fresh.id === v.id || !existing.has(fresh.id)) existing.set(fresh.id, modelOf(fresh));
          else existing.get(fresh.id).available = fresh.available;
        }
        renderExisting();
        const again = $(`tr[data-variant="${v.id}"] .row-status`);
        again.className = "row-status ok";
        again.textContent = t("Saved.");
      } catch (e) {
        status.className = "row-status error";
        status.textContent = e.message;
        save.disabled = false;
      }
    });
    return el("tr", { "data-variant": v.id }, ...cells(model, `e${v.id}`, v.sku, { identity: false }), el("td", {}, save, " ", status));
  }));
  const add = $("#add-variant-table");
  head(add, { available: false });
  add.tBodies[0].replaceChildren(el("tr", {}, ...cells(addModel, "add", t("new variant"), { identity: true }), el("td")));
}

function renderTables() {
  if (productId) renderExisting(); else renderNew();
}

function images() {
  const urls = $("#p-images").value.split("\n").map((s) => s.trim()).filter(Boolean);
  const bad = urls.find((u) => !IMAGE.test(u) || u.length > 500);
  if (bad) throw new Error(`"${bad}" is not an image URL (https://… or /path).`);
  if (urls.length > 10) throw new Error("At most 10 images.");
  return urls;
}

function thumbs() {
  const urls = $("#p-images").value.split("\n").map((s) => s.trim()).filter((u) => IMAGE.test(u));
  $("#p-thumbs").replaceChildren(...urls.slice(0, 10).map((u) => el("img", { src: u, alt: "", loading: "lazy" })));
}

function details() {
  const title = $("#p-title").value.trim();
  if (!title) throw new Error("The product needs a title.");
  return { title, description: $("#p-description").value, status: $("#p-status").value, images: images(), max_per_buyer: limit() };
}

/** The per-buyer limit: empty means none; anything else must be a whole number from 1. */
function limit() {
  const raw = $("#p-limit").value.trim();
  if (!raw) return null;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error("The limit per buyer must be a whole number from 1, or empty.");
  return n;
}

function collectOptions() {
  options = [1, 2, 3].map((i) => $(`#opt-${i}`).value.trim()).filter(Boolean);
}

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  showError($("#product-error"));
  $("#product-msg").textContent = "";
  const button = $("#save-product");
  try {
    const body = details();
    button.disabled = true;
    if (productId) {
      product = await api(`/products/${productId}`, { method: "PATCH", body });
      $("#product-msg").textContent = t("Saved.");
      toast(t("Product saved."));
    } else {
      if (!shop) throw new Error("Create your shop first.");
      collectOptions();
      const created = await api(`/shops/${shop.id}/products`, {
        method: "POST", body: { ...body, options, variants: rows.map((m) => variantBody(m, { identity: true })) },
      });
      location.href = `/seller/products/${created.id}?created=1`;
    }
  } catch (e) {
    showError($("#product-error"), friendly(e));
  } finally { button.disabled = false; }
});

$("#variant-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  showError($("#variant-error"));
  try {
    const body = variantBody(addModel, { identity: true });
    product = await api(`/products/${productId}/variants`, { method: "POST", body });
    for (const v of product.variants) if (!existing.has(v.id)) existing.set(v.id, modelOf(v));
    addModel = blank();
    renderExisting();
    toast(t("Variant {sku} added.", { sku: body.sku }));
  } catch (e) { showError($("#variant-error"), e); }
});

$("#p-images").addEventListener("change", thumbs);

async function loadEdit() {
  product = await api(`/products/${productId}`);
  document.title = t("{title} · Seller · Liveshop", { title: product.title });
  $("#p-title").value = product.title;
  $("#p-description").value = product.description;
  $("#p-status").value = product.status;
  $("#p-limit").value = product.max_per_buyer ?? "";
  $("#p-images").value = product.images.join("\n");
  options = [...product.options];
  [1, 2, 3].forEach((i) => {
    const box = $(`#opt-${i}`);
    box.value = options[i - 1] || "";
    box.disabled = true;
    box.parentElement.hidden = !options[i - 1];
  });
  $("#options-hint").textContent = options.length
    ? t("Options are fixed once the product exists; add variants for new combinations.")
    : t("This product has no options.");
  for (const v of product.variants) existing.set(v.id, modelOf(v));
  addModel = blank();
  for (const v of product.variants) for (const p of v.prices) picked.add(p.market);
  $("#variants-panel").hidden = false;
  renderMarkets($("#variants-panel .market-picks"));
  if (new URLSearchParams(location.search).has("created")) $("#product-msg").textContent = t("Product created.");
}

async function loadNew() {
  shop = await currentShop((s) => { shop = s; });
  if (!shop) return false;
  picked = new Set([shop.market_code]);
  rows = [blank()];
  $("#new-variants").hidden = false;
  renderMarkets($("#new-variants .market-picks"));
  for (const i of [1, 2, 3]) $(`#opt-${i}`).addEventListener("input", () => { collectOptions(); renderNew(); });
  $("#add-row").addEventListener("click", () => {
    rows.push(blank());
    renderNew();
    $(`#n${rows.length - 1}-sku`).focus();
  });
  return true;
}

async function load() {
  allMarkets = await markets();
  const ready = productId ? (await loadEdit(), true) : await loadNew();
  $("#editor-status").textContent = "";
  if (!ready) return;
  form.hidden = false;
  thumbs();
  renderTables();
}
load().catch((e) => { $("#editor-status").className = "error"; $("#editor-status").textContent = e.message; });
