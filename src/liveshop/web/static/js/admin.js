import { $, api, el, t, label } from "./common.js";

async function load() {
  const markets = await api("/markets");
  $("#markets").replaceChildren(...markets.map((m) => {
    const box = el("input", {
      type: "checkbox", role: "switch", id: `m-${m.code}`, checked: m.enabled,
      "aria-label": t("{name} open", { name: m.name }),
    });
    box.addEventListener("change", async () => {
      try {
        await api(`/admin/markets/${m.code}`, { method: "PATCH", body: { enabled: box.checked } });
        $("#admin-msg").textContent = t("{name} is now {v2}.", { name: m.name, v2: box.checked ? t("on") : t("off") });
      } catch (e) { box.checked = !box.checked; $("#admin-msg").textContent = e.message; }
    });
    const tax = m.prices_include_tax ? t("incl. {tax}", { tax: m.tax_name }) : t("plus {tax}", { tax: m.tax_name });
    return el("tr", {},
      el("th", { scope: "row" }, el("a", { href: `/admin/markets/${m.code}`, text: `${m.name} (${m.code})` }),
        " ", el("span", { class: "badge", text: label(m.phase) })),
      el("td", { text: m.currency }),
      el("td", { text: tax }),
      el("td", { class: "opt", text: m.timezone }),
      el("td", {}, el("label", { class: "switch" }, box)));
  }));
}
load();
