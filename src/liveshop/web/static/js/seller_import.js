// The CSV page: read the chosen file's first rows in the browser and preview them. No upload:
// the importer itself comes in a later release.
import { $, el } from "./common.js";

const PREVIEW_ROWS = 5;
const READ_BYTES = 64 * 1024;

/** RFC 4180-ish: quoted fields, doubled quotes, CRLF or LF; stops after `limit` records. */
export function parseCsv(text, limit = Infinity) {
  const records = [];
  let record = [];
  let fieldText = "";
  let quoted = false;
  for (let i = 0; i < text.length && records.length < limit; i += 1) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { fieldText += '"'; i += 1; } else if (ch === '"') quoted = false;
      else fieldText += ch;
    } else if (ch === '"' && fieldText === "") quoted = true;
    else if (ch === ",") { record.push(fieldText); fieldText = ""; } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i += 1;
      record.push(fieldText);
      fieldText = "";
      if (record.some((f) => f !== "")) records.push(record);
      record = [];
    } else fieldText += ch;
  }
  if (records.length < limit && (fieldText !== "" || record.length)) {
    record.push(fieldText);
    if (record.some((f) => f !== "")) records.push(record);
  }
  return records;
}

function size(bytes) {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

$("#csv-file").addEventListener("change", async (ev) => {
  const file = ev.target.files[0];
  const status = $("#import-status");
  $("#preview-panel").hidden = true;
  status.hidden = true;
  if (!file) { $("#file-info").textContent = ""; return; }
  $("#file-info").textContent = `${file.name} · ${size(file.size)}`;
  if (!/\.csv$/i.test(file.name) && file.type !== "text/csv") {
    status.hidden = false;
    status.textContent = "That does not look like a CSV file. Choose a .csv file.";
    return;
  }
  const text = await file.slice(0, READ_BYTES).text();
  const records = parseCsv(text.replace(/^\uFEFF/, ""), PREVIEW_ROWS + 1);
  const [header = [], ...rows] = records;
  const shopify = header.includes("Handle") && header.some((h) => h.startsWith("Variant"));
  if (header.length) {
    const width = Math.max(header.length, ...rows.map((r) => r.length));
    const pad = (r) => Array.from({ length: width }, (_, i) => r[i] ?? "");
    $("#csv-preview").tHead.replaceChildren(el("tr", {}, ...pad(header).map((h) => el("th", { scope: "col", text: h }))));
    $("#csv-preview").tBodies[0].replaceChildren(...rows.map((r) => el("tr", {}, ...pad(r).map((c) => el("td", { text: c })))));
    $("#preview-caption").textContent = `First ${rows.length} row${rows.length === 1 ? "" : "s"} of ${file.name}, ${header.length} columns${shopify ? " (looks like a Shopify product export)" : ""}`;
    $("#preview-panel").hidden = false;
  }
  status.hidden = false;
  status.textContent = header.length
    ? "Preview only: the importer comes in a later release, so nothing was imported."
    : "The file is empty. Preview only: the importer comes in a later release, so nothing was imported.";
});

$("#import-form").addEventListener("submit", (ev) => ev.preventDefault());
