// The page's texts: the JSON catalogue of its language, generated from the gettext .po files
// (`./dev i18n compile`); base.html names it. t("Add to cart") / t("{n} left", { n }) and
// nt("{n} item", "{n} items", n) answer in the page's language, falling back to the English msgid.
const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.content;
export const lang = document.documentElement.lang || "en-GB";
// The viewer's zone: the browser's own, else what the page says (the market's).
const own = Intl.DateTimeFormat().resolvedOptions().timeZone;
export const zone = own || meta("timezone") || undefined;
const url = meta("i18n-catalogue");

let catalogue = { messages: {}, plural_forms: "(n != 1)" };
if (url) {
  try {
    const r = await fetch(url, { credentials: "same-origin" });
    if (r.ok) catalogue = await r.json();
  } catch { /* the English msgids still read */ }
}

// gettext plural expressions of our languages, as functions (no eval under the CSP).
const PLURALS = {
  "(n != 1)": (n) => (n !== 1 ? 1 : 0),
  "0": () => 0,
  "(n == 0 || n == 1) ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2": (n) => (n === 0 || n === 1 ? 0 : n % 1000000 === 0 ? 1 : 2),
  "(n == 1 ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2)": (n) => (n === 1 ? 0 : n !== 0 && n % 1000000 === 0 ? 1 : 2),
};
const pluralIndex = PLURALS[catalogue.plural_forms] || PLURALS["(n != 1)"];

const fill = (text, values) => (values
  ? text.replace(/\{(\w+)\}/g, (m, k) => (k in values ? String(values[k]) : m))
  : text);

export function t(msgid, values) {
  const found = catalogue.messages[msgid];
  return fill(typeof found === "string" && found ? found : msgid, values);
}

export function nt(singular, plural, n, values) {
  const forms = catalogue.messages[singular];
  const all = { n, ...(values || {}) };
  if (Array.isArray(forms) && forms.length) {
    const form = forms[Math.min(pluralIndex(n), forms.length - 1)];
    if (form) return fill(form, all);
  }
  return fill(n === 1 ? singular : plural, all);
}

// Numbers and dates in the page's language and the viewer's zone (the market's when unknown).
export const number = (v, opts) => new Intl.NumberFormat(lang, opts).format(v);
export const dateTime = (opts) => new Intl.DateTimeFormat(lang, { timeZone: zone, ...opts });

// Tell the server the browser's zone, so server-rendered times follow it too.
if (own && !document.cookie.includes(`liveshop_tz=${encodeURIComponent(own)}`)) {
  document.cookie = `liveshop_tz=${encodeURIComponent(own)}; path=/; max-age=31536000; samesite=lax`;
}
