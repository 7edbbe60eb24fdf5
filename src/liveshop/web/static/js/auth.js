import { $, api } from "./common.js";

const form = $("#auth-form");
form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const f = new FormData(form);
  const credentials = { email: f.get("email"), password: f.get("password") };
  try {
    if (form.dataset.mode === "signup") {
      // Sign-up answers the same whether or not the address is taken; logging in tells us.
      await api("/auth/signup", {
        method: "POST",
        body: { ...credentials, display_name: f.get("display_name"), market: f.get("market"), roles: f.getAll("roles") },
      });
    }
    await api("/auth/login", { method: "POST", body: credentials });
    // The server already kept `next` on this site (pages.safe_next).
    location.href = form.dataset.next || "/";
  } catch (e) {
    $("#auth-error").textContent = e.message;
  }
});
