import { $, api, t } from "./common.js";

function done(text, form) {
  form.hidden = true;
  const note = $("#reset-done");
  note.textContent = text;
  note.hidden = false;
}

const request = $("#reset-request");
request?.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  try {
    const r = await api("/auth/password-reset", { method: "POST", body: { email: new FormData(request).get("email") } });
    done(r.detail, request);
  } catch (e) {
    $("#reset-error").textContent = e.message;
  }
});

const confirm = $("#reset-confirm");
confirm?.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  try {
    await api("/auth/password-reset/confirm", {
      method: "POST", body: { token: confirm.dataset.token, password: new FormData(confirm).get("password") },
    });
    done(t("Your password is changed. You can log in with it now."), confirm);
    $("#reset-done").append(" ", Object.assign(document.createElement("a"), { href: "/login", textContent: "Log in" }));
  } catch (e) {
    $("#reset-error").textContent = e.message;
  }
});
