// The room's giveaway panel: the prize, who may enter, entering, the draw, the winner's claim.
import { $, api, el, t } from "./common.js";

const ROUND = (g) => g.round ?? 0;

export function eligibilityText(g) {
  if (g.eligibility === "followers") return t("For the host's followers.");
  if (g.eligibility === "market") return t("For buyers in {market}.", { market: g.market });
  return t("Open to everyone. No purchase needed.");
}

export function fromPublic(g, title) {
  return {
    id: g.id, title, eligibility: g.eligibility, market: g.market, status: g.status,
    count: g.entrants, winner: g.winner, round: g.draws.length, productId: g.product_id,
  };
}

// Fold a newer view in: counts only grow, later draws replace earlier ones.
export function merge(g, b) {
  g.count = Math.max(g.count, b.count ?? 0);
  if (ROUND(b) > ROUND(g) || (b.status !== "open" && g.status === "open") || b.status === "claimed") {
    Object.assign(g, { status: b.status, winner: b.winner, round: Math.max(ROUND(g), ROUND(b)) });
  }
  return g;
}

export function giveawayRoom({ showId, me, market }) {
  let g = null;
  let entered = false;
  const say = (text, cls = "") => { const m = $("#giveaway-msg"); m.textContent = text; m.className = cls; };

  function render() {
    $("#giveaway").hidden = !g;
    if (!g) return;
    const won = g.winner && g.winner === me.handle;
    $("#giveaway-prize").textContent = g.title;
    $("#giveaway-elig").textContent = eligibilityText(g);
    $("#giveaway-count").textContent = g.count;
    const enter = $("#giveaway-enter");
    enter.hidden = g.status !== "open";
    enter.disabled = entered || !me.id;
    enter.textContent = entered ? t("You're in ✓") : t("Enter");
    $("#giveaway-state").textContent = g.status === "open"
      ? t("The host draws a winner live.")
      : g.status === "no_winner" ? t("Nobody eligible was left to draw: no winner this time.")
        : won ? (g.status === "claimed" ? t("You won! It's on its way.") : t("You won! Give your address"))
          : g.winner ? t("Winner: @{winner}", { winner: g.winner }) : "";
    $("#giveaway-state").className = won ? "won" : "";
    $("#claim-form").hidden = !(won && g.status === "drawn");
  }

  async function refresh() {
    const latest = (await api(`/shows/${showId}/giveaways`).catch(() => []))[0];
    if (!latest) return;
    const mine = latest.winner && latest.winner === me.handle;
    if (!["open", "drawn"].includes(latest.status) && !mine && g?.id !== latest.id) return;
    let title = g?.id === latest.id ? g.title : null;
    title ??= await api(`/products/${latest.product_id}`).then((p) => p.title, () => t("A prize"));
    const next = fromPublic(latest, title);
    g = g?.id === next.id ? merge(g, next) : next;
    render();
  }

  $("#giveaway-enter").addEventListener("click", async () => {
    if (!g) return;
    $("#giveaway-enter").disabled = true;
    try {
      const r = await api(`/giveaways/${g.id}/entries`, { method: "POST" });
      entered = true;
      g.count = Math.max(g.count, r.count);
      say(r.entered ? t("You're in! Good luck.") : t("You're in already."), "ok");
    } catch (e) {
      say(e.message, "error");
    }
    render();
  });

  $("#claim-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    const address = {
      name: f.get("name"), line1: f.get("line1"), city: f.get("city"),
      postcode: f.get("postcode"), region: f.get("region") || null, country: me.market_code || market,
    };
    const button = $("#claim-submit");
    button.disabled = true;
    try {
      const order = await api(`/giveaways/${g.id}/claim`, { method: "POST", body: { address } });
      g.status = "claimed";
      say("", "");
      $("#giveaway-state").replaceChildren(t("Claimed! Order #{id} is on its way. ", { id: order.id }), el("a", { href: "/orders", text: t("See your orders") }));
      $("#claim-form").hidden = true;
    } catch (e) {
      $("#claim-error").textContent = e.message;
    } finally {
      button.disabled = false;
    }
  });

  const handlers = {
    giveaway_opened(e) {
      g = { id: e.giveaway_id, title: e.title, eligibility: e.eligibility, market: e.market, status: "open", count: 0, winner: null, round: 0 };
      entered = false;
      say("");
      render();
    },
    giveaway_entered(e) { if (g?.id === e.giveaway_id) { g.count = Math.max(g.count, e.count); render(); } },
    giveaway_drawn(e) {
      if (g?.id !== e.giveaway_id) { refresh(); return; }
      merge(g, { status: e.winner ? "drawn" : "no_winner", winner: e.winner, round: e.round });
      say("");
      render();
    },
  };
  return { handlers, refresh, render: () => g && render() };
}
