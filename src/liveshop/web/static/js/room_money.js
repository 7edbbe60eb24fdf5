// Money arrives as integer minor units plus a currency; format it for a market's locale.
const LOCALES = { UK: "en-GB", DE: "de-DE", FR: "fr-FR", IT: "it-IT", ES: "es-ES", US: "en-US", ID: "id-ID" };
export const CURRENCY = { UK: "GBP", DE: "EUR", FR: "EUR", IT: "EUR", ES: "EUR", US: "USD", ID: "IDR" };
// Rupiah prices are whole numbers in practice (the server formats them the same way).
export const exponent = (currency) => (currency === "IDR" ? 0 : 2);

export function money(minor, currency, market) {
  const digits = exponent(currency);
  return new Intl.NumberFormat(LOCALES[market] || undefined, {
    style: "currency", currency, minimumFractionDigits: digits, maximumFractionDigits: digits,
  }).format(minor / 10 ** digits);
}

// What a buyer types ("12.50") → minor units; null when it is not a positive amount.
export function toMinor(text, currency) {
  const value = Number(String(text).trim().replace(",", "."));
  if (!Number.isFinite(value) || value <= 0) return null;
  return Math.round(value * 10 ** exponent(currency));
}

export const toMajor = (minor, currency) => (minor / 10 ** exponent(currency)).toFixed(exponent(currency));
