// Webhook endpoints: add, choose events, test, enable/disable, rotate the secret, and the
// delivery log with each attempt's response code and time, and redelivery by hand.
import { $, api, el, t, toast, uid, when } from "./common.js";
import { showError } from "./seller_common.js";
import { checked, withOwner } from "./integrations_common.js";

let owner = null;
let shown = null; // the endpoint whose log is open

function showSecret(secret) {
  $("#secret").textContent = secret;
  $("#secret-box").hidden = false;
}

function button(text, label, onClick) {
  const b = el("button", { type: "button", class: "secondary small", "aria-label": label, text });
  b.addEventListener("click", async () => {
    b.disabled = true;
    try { await onClick(); } catch (e) { toast(e.message); } finally { b.disabled = false; }
  });
  return b;
}

async function load() {
  const rows = await api(`/integrations/webhooks?owner_kind=${owner.kind}&owner_id=${owner.id}`);
  $("#endpoints").replaceChildren(...rows.map((ep) => {
    const state = ep.enabled ? "enabled" : `disabled${ep.disabled_reason ? ` (${ep.disabled_reason})` : ""}`;
    const actions = el("span", { class: "actions" },
      button(t("Log"), t("Delivery log of {url}", { url: ep.url }), () => openLog(ep)),
      button(t("Send test"), t("Send a test event to {url}", { url: ep.url }), async () => {
        await api(`/integrations/webhooks/${ep.id}/test`, { method: "POST", idem: uid() });
        toast(t("Test event queued; see the log."));
        await openLog(ep);
      }),
      button(ep.enabled ? t("Disable") : t("Enable"), `${ep.enabled ? "Disable" : "Enable"} ${ep.url}`, async () => {
        await api(`/integrations/webhooks/${ep.id}`, { method: "PATCH", body: { enabled: !ep.enabled } });
        await load();
      }),
      button(t("Secret"), t("Show the signing secret of {url}", { url: ep.url }), async () => {
        showSecret((await api(`/integrations/webhooks/${ep.id}`)).secret);
      }),
      button(t("Rotate secret"), t("Rotate the signing secret of {url}", { url: ep.url }), async () => {
        showSecret((await api(`/integrations/webhooks/${ep.id}/rotate-secret`, { method: "POST" })).secret);
        toast(t("New secret made; the old one still signs for 24 hours."));
      }),
      button(t("Remove"), t("Remove {url}", { url: ep.url }), async () => {
        await api(`/integrations/webhooks/${ep.id}`, { method: "DELETE" });
        if (shown?.id === ep.id) $("#log-panel").hidden = true;
        await load();
      }));
    return el("li", { class: "row endpoint", "data-endpoint": ep.id },
      el("span", { class: "grow" }, el("strong", { text: ep.url }), el("br"),
        `${ep.events.join(", ")} · ${state}`), actions);
  }));
  if (!rows.length) $("#endpoints").append(el("li", { text: t("No endpoints yet.") }));
}

async function openLog(ep) {
  shown = ep;
  $("#log-panel").hidden = false;
  $("#log-of").textContent = `· ${ep.url}`;
  $("#attempts").replaceChildren();
  const page = await api(`/integrations/webhooks/${ep.id}/deliveries?limit=50`);
  $("#log tbody").replaceChildren(...page.items.map((d) => el("tr", { "data-delivery": d.id },
    el("td", { text: d.event_type }),
    el("td", { text: d.status }),
    el("td", { text: String(d.attempts) }),
    el("td", { text: String(d.last_status_code ?? (d.last_error || "—")) }),
    el("td", {}, when(d.created_at)),
    el("td", {},
      button(t("Attempts"), t("Attempts of delivery {id}", { id: d.id }), () => showAttempts(d.id)),
      button(t("Redeliver"), t("Redeliver {event_type} {id}", { event_type: d.event_type, id: d.id }), async () => {
        await api(`/integrations/webhook-deliveries/${d.id}/redeliver`, { method: "POST" });
        toast(t("Queued for delivery again."));
        await openLog(ep);
      })))));
  if (!page.items.length) $("#log tbody").append(el("tr", {}, el("td", { colspan: 6, text: t("Nothing sent yet.") })));
}

async function showAttempts(id) {
  const d = await api(`/integrations/webhook-deliveries/${id}`);
  const table = el("table", { class: "table" },
    el("caption", { text: t("Attempts of {event_type} ({msg_id})", { event_type: d.event_type, msg_id: d.msg_id }) }),
    el("thead", {}, el("tr", {}, ...["#", t("Code"), t("Time (ms)"), t("At"), t("Error or answer")].map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, ...d.log.map((a) => el("tr", {},
      el("td", { text: String(a.number) }),
      el("td", { text: String(a.status_code ?? "—") }),
      el("td", { text: String(a.duration_ms) }),
      el("td", {}, when(a.at)),
      el("td", { text: a.error || a.response })))));
  $("#attempts").replaceChildren(el("div", { class: "table-wrap" }, table));
}

$("#endpoint-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  showError($("#endpoint-error"));
  const form = ev.target;
  try {
    const events = checked(form, "events");
    if (!events.length) throw new Error("Choose at least one event.");
    const made = await api("/integrations/webhooks", {
      method: "POST",
      idem: uid(),
      body: { owner_kind: owner.kind, owner_id: owner.id, url: form.url.value.trim(), description: form.description.value, events },
    });
    showSecret(made.secret);
    form.url.value = "";
    form.description.value = "";
    await load();
  } catch (e) { showError($("#endpoint-error"), e); }
});

withOwner((o) => {
  owner = o;
  $("#log-panel").hidden = true;
  $("#secret-box").hidden = true;
  load().catch((e) => toast(e.message));
}).catch((e) => toast(e.message));
