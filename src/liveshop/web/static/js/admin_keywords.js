// The platform keyword list: words blocked in every room's chat.
import { $, api, el, t, when } from "./common.js";

async function load() {
  const words = await api("/admin/keywords");
  $("#keywords").replaceChildren(...words.map((k) => {
    const remove = el("button", { type: "button", class: "secondary small", "aria-label": t("Remove {word}", { word: k.word }), text: t("Remove") });
    remove.addEventListener("click", async () => {
      remove.disabled = true;
      try {
        await api(`/admin/keywords/${k.id}`, { method: "DELETE" });
        $("#admin-msg").textContent = t("\"{word}\" is allowed again.", { word: k.word });
        await load();
      } catch (e) { $("#admin-msg").textContent = e.message; remove.disabled = false; }
    });
    return el("li", { class: "row keyword", "data-keyword": k.id },
      el("span", { class: "grow" }, el("strong", { text: k.word }), t(" · added "), when(k.created_at)), remove);
  }));
  if (!words.length) $("#keywords").append(el("li", { text: t("No platform keywords yet.") }));
}

$("#keyword-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  $("#keyword-error").textContent = "";
  try {
    const k = await api("/admin/keywords", { method: "POST", body: { word: $("#keyword").value } });
    $("#admin-msg").textContent = t("\"{word}\" is now blocked in every room.", { word: k.word });
    ev.target.reset();
    await load();
  } catch (e) { $("#keyword-error").textContent = e.message; }
});

load().catch((e) => { $("#admin-msg").textContent = e.message; });
