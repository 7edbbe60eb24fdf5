// Studio helpers: wall-clock times in the creator's time zone, and inline form errors.
import { $, el, t } from "./common.js";

// The creator's zone: their profile's, when the browser knows it, else the browser's own.
export function creatorZone(preferred) {
  const own = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!preferred) return own;
  try { new Intl.DateTimeFormat("en", { timeZone: preferred }); return preferred; } catch { return own; }
}

function parts(date, tz) {
  const f = new Intl.DateTimeFormat("en-US", {
    timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
  });
  return Object.fromEntries(f.formatToParts(date).map((p) => [p.type, p.value]));
}

// Milliseconds the zone is ahead of UTC at `date`.
function offset(date, tz) {
  const p = parts(date, tz);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(date.getTime() / 1000) * 1000;
}

// "2030-06-01T19:30" on the wall clock of `tz` → an ISO UTC string ("…Z").
export function zonedToIso(local, tz) {
  const naive = Date.parse(`${local}${local.length === 16 ? ":00" : ""}Z`);
  if (Number.isNaN(naive)) return null;
  let utc = naive - offset(new Date(naive), tz);
  utc = naive - offset(new Date(utc), tz); // again, in case a DST change lies between
  return new Date(utc).toISOString();
}

// An ISO instant → the "YYYY-MM-DDTHH:MM" a datetime-local input shows in `tz`.
export function isoToZoned(iso, tz) {
  const p = parts(new Date(iso), tz);
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

export function formatIn(iso, tz) {
  const text = new Intl.DateTimeFormat(document.documentElement.lang, { dateStyle: "medium", timeStyle: "short", timeZone: tz }).format(new Date(iso));
  return el("time", { datetime: iso, text });
}

// Show an API problem next to the field it names ("title: …"), else in the form's alert.
export function showProblem(form, alert, error) {
  clearProblems(form, alert);
  const message = error.message || String(error);
  const field = message.match(/^([a-z_]+)(?:\.\d+)?: /)?.[1];
  const slot = field && form.querySelector(`.field-error[data-field="${field}"]`);
  if (slot) {
    slot.textContent = message.slice(message.indexOf(": ") + 2);
    const input = form.querySelector(`[aria-describedby~="${slot.id}"]`);
    input?.setAttribute("aria-invalid", "true");
    input?.focus();
  }
  alert.textContent = slot ? t("Please fix the highlighted field.") : message;
}

export function clearProblems(form, alert) {
  for (const slot of form.querySelectorAll(".field-error")) slot.textContent = "";
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  if (alert) alert.textContent = "";
}

export function fieldError(form, alert, field, message) {
  clearProblems(form, alert);
  const slot = $(`.field-error[data-field="${field}"]`, form);
  slot.textContent = message;
  alert.textContent = t("Please fix the highlighted field.");
  form.querySelector(`[aria-describedby~="${slot.id}"]`)?.focus();
}
