// Follow / Following buttons for shops and creators. The state comes from GET /me/follows,
// so it survives a reload; logged-out visitors are sent to log in and come back.
import { api, t, toast } from "./common.js";

const loggedIn = () => Boolean(document.body.dataset.user);
let mine = null;
const myFollows = () => (mine ??= loggedIn() ? api("/me/follows").catch(() => []) : Promise.resolve([]));

function render(button, on) {
  button.setAttribute("aria-pressed", String(on));
  button.textContent = on ? t("Following") : t("Follow");
  button.classList.toggle("following", on);
}

// Wire an existing <button> to follow `kind` ("shop" | "creator") `id`; `name` is for the toast.
export async function followButton(button, kind, id, name) {
  const targetId = Number(id);
  let on = (await myFollows()).some((f) => f.target_kind === kind && f.target_id === targetId);
  render(button, on);
  button.hidden = false;
  button.addEventListener("click", async () => {
    if (!loggedIn()) {
      location.href = `/login?next=${encodeURIComponent(location.pathname)}`;
      return;
    }
    button.disabled = true;
    try {
      if (on) await api(`/me/follows/${kind}/${targetId}`, { method: "DELETE" });
      else await api("/me/follows", { method: "POST", body: { target_kind: kind, target_id: targetId } });
      on = !on;
      render(button, on);
      toast(on ? t("You follow {name}: we'll tell you when they go live.", { name }) : t("Unfollowed {name}.", { name }));
    } catch (e) {
      toast(e.message);
    } finally {
      button.disabled = false;
    }
  });
}
