// A creator: their live, upcoming and past shows (with replay links) and a follow button.
import { $, api, t } from "./common.js";
import { empty, showItem } from "./cards.js";
import { followButton } from "./follow.js";

const id = $("#creator").dataset.creator;

async function load() {
  let user;
  try {
    user = await api(`/users/${id}`);
  } catch (e) {
    $("#c-name").textContent = t("Creator not found");
    $("#c-error").textContent = e.message;
    return;
  }
  document.title = t("{display_name} · Liveshop", { display_name: user.display_name });
  $("#c-name").textContent = user.display_name;
  $("#c-handle").textContent = `@${user.handle}`;
  if (user.roles.includes("creator")) followButton($("#follow"), "creator", user.id, user.display_name);
  const shows = await api(`/shows?host_id=${user.id}&status=live&status=scheduled&status=ended&limit=100`);
  const fill = (sel, list, none) => $(sel).replaceChildren(
    ...(list.length ? list.map((s) => showItem(s, { host: false })) : [empty(none)]));
  const live = shows.filter((s) => s.status === "live");
  fill("#c-live", live, t("Not live right now."));
  $("#c-live-sec").hidden = !live.length;
  fill("#c-upcoming", shows.filter((s) => s.status === "scheduled"), t("No shows scheduled."));
  const past = shows.filter((s) => s.status === "ended")
    .sort((a, b) => Date.parse(b.went_live_at || b.starts_at) - Date.parse(a.went_live_at || a.starts_at));
  fill("#c-past", past, t("No past shows yet."));
}
load().catch((e) => { $("#c-error").textContent = e.message; });
