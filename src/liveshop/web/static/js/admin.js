import { $, api, el } from "./common.js";

async function load() {
  const markets = await api("/markets");
  $("#markets").replaceChildren(...markets.map((m) => {
    const box = el("input", { type: "checkbox", role: "switch", id: `m-${m.code}`, checked: m.enabled });
    box.addEventListener("change", async () => {
      try {
        await api(`/admin/markets/${m.code}`, { method: "PATCH", body: { enabled: box.checked } });
        $("#admin-msg").textContent = `${m.name} is now ${box.checked ? "on" : "off"}.`;
      } catch (e) { box.checked = !box.checked; $("#admin-msg").textContent = e.message; }
    });
    return el("li", { class: "row" }, box, el("label", { for: `m-${m.code}`, text: ` ${m.name} (${m.code}, ${m.currency})` }));
  }));
}
load();
