// The import page: upload a Shopify file for a preview (detected format, first rows), then
// import it as a background run whose progress the page polls (a <progress> bar with rows done
// and bytes read), then show the report, with its errors and a link to download them as CSV.
import { $, api, el, t, nt } from "./common.js";
import { currentShop } from "./seller_common.js";

const csrf = document.querySelector('meta[name="csrf-token"]')?.content;
let shop = null;
let chosen = null;

function size(bytes) {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return t("{v1} KB", { v1: (bytes / 1024).toFixed(1) });
  return t("{v1} MB", { v1: (bytes / 1024 / 1024).toFixed(1) });
}

/** POST the file as multipart; the JSON answer, or an Error carrying the problem's detail. */
async function send(path, file) {
  const form = new FormData();
  form.append("file", file, file.name);
  // No Idempotency-Key: an import is safe to repeat (handles and SKUs match, nothing doubles).
  const headers = { accept: "application/json" };
  if (csrf) headers["X-CSRF-Token"] = csrf;
  const r = await fetch(`/api/v1${path}`, { method: "POST", body: form, headers, credentials: "same-origin" });
  const data = await r.json().catch(() => null);
  if (!r.ok) throw new Error(data?.detail || t("The server answered {status}.", { status: r.status }));
  return data;
}

function say(text) {
  const status = $("#import-status");
  status.hidden = !text;
  status.textContent = text || "";
}

function showPreview(file, body) {
  const width = Math.max(body.header.length, ...body.rows.map((r) => r.length));
  const pad = (r) => Array.from({ length: width }, (_, i) => r[i] ?? "");
  $("#csv-preview").tHead.replaceChildren(el("tr", {}, ...pad(body.header).map((h) => el("th", { scope: "col", text: h }))));
  $("#csv-preview").tBodies[0].replaceChildren(...body.rows.map((r) => el("tr", {}, ...pad(r).map((c) => el("td", { text: c })))));
  const n = body.rows.length;
  $("#preview-caption").textContent = nt("First {n} row of {name}", "First {n} rows of {name}", n, { name: file.name });
  $("#import-dialect").replaceChildren(t("Detected format: "), el("strong", { text: body.dialect_label }));
  $("#import-dialect").dataset.dialect = body.dialect;
  $("#preview-panel").hidden = false;
}

const POLL_MS = 500;

function showProgress(run) {
  const bar = $("#import-progress");
  const total = run.total_bytes || 0;
  if (total) { bar.max = total; bar.value = Math.min(run.bytes_read, total); } else bar.removeAttribute("value");
  const pct = total ? Math.floor((100 * Math.min(run.bytes_read, total)) / total) : null;
  $("#import-progress-text").textContent =
    nt("{n} row read", "{n} rows read", run.rows) +
    (total ? t(" · {done} of {total} ({pct}%)", { done: size(run.bytes_read), total: size(total), pct }) : "");
  $("#import-progress-box").hidden = false;
}

/** Poll a background run until it is no longer running; its final report. */
async function follow(run) {
  showProgress(run);
  while (run.status === "running") {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    run = await api(`/imports/shopify/${run.id}`);
    showProgress(run);
  }
  return run;
}

function showReport(report) {
  const products = nt("{n} product", "{n} products", report.products);
  const rows = nt("{n} row", "{n} rows", report.rows);
  $("#report-summary").textContent =
    t("{products} imported from {rows}: ", { products, rows }) +
    t("{created} created, {updated} updated, {unchanged} unchanged. ", { created: report.created, updated: report.updated, unchanged: report.unchanged }) +
    (report.error_count ? nt("{n} problem (below).", "{n} problems (below).", report.error_count) : t("No problems."));
  $("#report-products").href = `/seller/products?shop=${report.shop_id}`;
  const box = $("#report-errors-box");
  box.hidden = !report.error_count;
  $("#report-download").href = `/api/v1/imports/shopify/${report.id}/errors.csv`;
  $("#report-errors").tBodies[0].replaceChildren(...report.errors.map((e) => el("tr", {},
    el("td", { class: "num", text: e.line ?? "" }),
    el("td", { text: e.column }),
    el("td", { text: e.value }),
    el("td", { text: e.why }),
    el("td", { text: e.action }))));
  $("#report-panel").hidden = false;
  $("#report-h").focus();
}

$("#csv-file").addEventListener("change", async (ev) => {
  chosen = ev.target.files[0] || null;
  $("#preview-panel").hidden = true;
  $("#report-panel").hidden = true;
  $("#import-progress-box").hidden = true;
  $("#import-button").disabled = true;
  say("");
  if (!chosen) { $("#file-info").textContent = ""; return; }
  $("#file-info").textContent = `${chosen.name} · ${size(chosen.size)}`;
  if (!shop) { say(t("Create your shop first: products are imported into a shop.")); return; }
  say(t("Reading the file…"));
  try {
    showPreview(chosen, await send(`/imports/shopify/preview?shop_id=${shop.id}`, chosen));
    say(t("Check the preview, then import."));
    $("#import-button").disabled = false;
  } catch (err) {
    say(err.message);
  }
});

$("#import-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  if (!chosen || !shop) return;
  const button = $("#import-button");
  button.disabled = true;
  say(t("Importing {name}…", { name: chosen.name }));
  try {
    const started = await send(`/imports/shopify?shop_id=${shop.id}&background=true`, chosen);
    const report = await follow(started);
    say(report.status === "done" ? t("Import finished.") : t("The import stopped; what was read before is imported."));
    showReport(report);
  } catch (err) {
    say(err.message);
  } finally {
    button.disabled = false;
  }
});

shop = await currentShop((s) => { shop = s; });
