// One market's rollout: phase, switches, scheduled changes, allow-list, invitations, audit log.
import { $, api, el, label, t, when } from "./common.js";

const code = document.querySelector('meta[name="rollout-market"]').content;
const base = `/admin/markets/${code}`;
const say = (text) => { $("#admin-msg").textContent = text; };

function reason() {
  const text = $("#reason").value.trim();
  if (text.length < 3) {
    say(t("Give a reason first (it goes in the audit log)."));
    $("#reason").focus();
    return null;
  }
  return text;
}

function describe(entry) {
  const d = entry.data || {};
  switch (entry.action) {
    case "phase": return t("phase {from} → {to}", { from: d.from, to: d.to });
    case "switch": return `${d.target} ${d.from} → ${d.to}`;
    case "scheduled": return t("scheduled change #{change_id} applied: {target} → {to}", { change_id: d.change_id, target: d.target, to: d.to });
    case "schedule": return t("scheduled {target} → {to} at {local}", { target: d.target, to: d.to, local: d.local });
    case "cancel": return t("cancelled scheduled change #{change_id}", { change_id: d.change_id });
    case "allow": return `allowed ${d.kind} ${d.subject_id}`;
    case "disallow": return `removed ${d.kind} ${d.subject_id}`;
    case "invitation": return t("invitation #{invitation_id} for {max_uses} buyers", { invitation_id: d.invitation_id, max_uses: d.max_uses });
    case "enabled": return `shopping ${d.to ? "switched on" : "switched off"}`;
    case "requires_verified_shops": return (d.to ? t("verified shops required") : t("verified shops not required"));
    default: return entry.action;
  }
}

function render(r) {
  $("#phase-now").textContent = label(r.phase);
  $("#phase").value = r.phase;
  for (const box of document.querySelectorAll("#switches input[data-feature]")) {
    box.checked = r.switches[box.dataset.feature];
  }
  $("#audit").replaceChildren(...r.audit.map((a) => el("tr", { "data-audit": a.id },
    el("td", {}, when(a.created_at)),
    el("td", { text: a.actor || "scheduler" }),
    el("td", { text: describe(a) }),
    el("td", { class: "reason", text: a.reason }))));
  if (!r.audit.length) $("#audit").append(el("tr", {}, el("td", { colspan: 4, text: t("No changes yet.") })));
  $("#scheduled").replaceChildren(...r.scheduled.map((c) => {
    const cancel = c.status === "pending"
      ? el("button", { type: "button", class: "secondary small", text: t("Cancel"), "aria-label": t("Cancel change {id}", { id: c.id }) })
      : null;
    cancel?.addEventListener("click", () => act(`${base}/scheduled/${c.id}/cancel`, {}, t("Scheduled change cancelled.")));
    return el("tr", { "data-change": c.id },
      el("td", {}, when(c.due_at), el("span", { class: "hint", text: ` (${c.zone})` })),
      el("td", { text: `${c.target} → ${c.value}` }),
      el("td", { class: "opt", text: c.reason }),
      el("td", {}, el("span", { class: `badge ${c.status}`, text: c.status })),
      el("td", {}, cancel));
  }));
  $("#allowed").replaceChildren(...r.allowed.map((a) => el("li", { text: `${a.kind} ${a.subject_id}${a.invitation_id ? " (invitation)" : ""}` })));
  if (!r.allowed.length) $("#allowed").append(el("li", { text: t("Nobody on the allow-list.") }));
  $("#invitations").replaceChildren(...r.invitations.map((i) => el("li", {},
    el("code", { text: i.code }), t(" · {uses} of {max_uses} used", { uses: i.uses, max_uses: i.max_uses }))));
}

async function load() { render(await api(`${base}/rollout`)); }

// Posts a change with the shared reason; the answer is the whole rollout, drawn again.
async function act(path, body, done) {
  const why = reason();
  if (!why) return null;
  try {
    const out = await api(path, { method: "POST", body: { ...body, reason: why } });
    if (out && out.audit) render(out); else await load();
    say(done);
    return true;
  } catch (e) { say(e.message); await load(); return false; }
}

$("#phase-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const phase = $("#phase").value;
  act(`${base}/phase`, { phase }, t("The market is now {phase}.", { phase }));
});

for (const box of document.querySelectorAll("#switches input[data-feature]")) {
  box.addEventListener("change", async () => {
    const label = box.parentElement.textContent.trim();
    const ok = await act(`${base}/switches`, { feature: box.dataset.feature, on: box.checked },
      (box.checked ? t("{label} is now on.", { label }) : t("{label} is now off.", { label })));
    if (ok === null) box.checked = !box.checked; // no reason given: nothing changed
  });
}

$("#schedule-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  let at = $("#sched-at").value;
  if (at.length === 16) at += ":00";
  act(`${base}/scheduled`, {
    target: $("#sched-target").value, value: $("#sched-value").value,
    local_time: at, zone: $("#sched-zone").value,
  }, t("Change scheduled."));
});

$("#allow-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const admit = ev.submitter?.value !== "0";
  const body = { kind: $("#allow-kind").value, subject_id: Number($("#allow-id").value) };
  act(admit ? `${base}/allowed` : `${base}/allowed/remove`, body, admit ? t("Allowed.") : t("Removed."));
});

$("#invite-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  act(`${base}/invitations`, { max_uses: Number($("#invite-uses").value) }, t("Invitation created."));
});

load().catch((e) => say(e.message));
