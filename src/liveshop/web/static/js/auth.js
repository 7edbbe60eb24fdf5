import { $, api } from "./common.js";

const form = $("#auth-form");
form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const f = new FormData(form);
  const signup = form.dataset.mode === "signup";
  const body = { email: f.get("email"), password: f.get("password") };
  if (signup) Object.assign(body, { display_name: f.get("display_name"), market: f.get("market"), roles: f.getAll("roles") });
  try {
    await api(signup ? "/auth/signup" : "/auth/login", { method: "POST", body });
    const next = new URLSearchParams(location.search).get("next");
    location.href = next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
  } catch (e) {
    $("#auth-error").textContent = e.message;
  }
});
