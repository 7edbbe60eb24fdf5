// The studio's auction and giveaway controls, and what is running now.
import { $, api, el, priceIn, t } from "./common.js";
import { applyBid, auctionLine, fromPublic, merge } from "./room_auction.js";
import { eligibilityText, fromPublic as giveawayFrom, merge as mergeGiveaway } from "./room_giveaway.js";
import { money, toMinor } from "./room_money.js";

export function initPromos({ showId, show, products, markets }) {
  const currency = (code) => markets.find((m) => m.code === code)?.currency || "GBP";
  const variants = products.flatMap((p) => p.variants.map((v) => ({ p, v })));
  const label = ({ p, v }) => `${p.title}${v.option_values.length ? ` (${v.option_values.join(" / ")})` : ""}`;
  const options = () => variants.map((x) => el("option", { value: x.v.id, text: label(x) }));
  let auction = null;
  let giveaway = null;

  // --- auctions ---------------------------------------------------------------------------
  $("#a-variant").replaceChildren(...options());
  $("#a-market").replaceChildren(...show.markets.map((code) => el("option", { value: code, text: markets.find((m) => m.code === code)?.name || code })));
  $("#g-market").replaceChildren(...show.markets.map((code) => el("option", { value: code, text: markets.find((m) => m.code === code)?.name || code })));

  function describeLot() {
    const code = $("#a-market").value;
    const found = variants.find((x) => x.v.id === Number($("#a-variant").value));
    const price = found && priceIn(found.v.prices, code);
    const symbol = money(0, currency(code), code).replace(/[\d.,\s\u00a0]/g, "") || currency(code);
    for (const s of document.querySelectorAll(".a-cur")) s.textContent = symbol;
    $("#a-regular").textContent = found
      ? (price ? (found.v.track_stock === false ? t("Regular price {formatted}; stock not counted.", { formatted: price.formatted }) : t("Regular price {formatted}; {available} in stock.", { formatted: price.formatted, available: found.v.available })) : t("Not sold in {code}: pick another market.", { code }))
      : "";
  }
  $("#a-variant").addEventListener("change", describeLot);
  $("#a-market").addEventListener("change", describeLot);
  describeLot();

  function renderAuction() {
    const line = $("#auction-live");
    line.hidden = !auction;
    if (auction) line.replaceChildren(auctionLine(auction, auction.market));
  }
  setInterval(() => auction?.status === "open" && renderAuction(), 500);

  $("#auction-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    const code = String(f.get("market"));
    const cur = currency(code);
    const start = toMinor(f.get("start"), cur);
    const step = toMinor(f.get("step"), cur);
    const msg = $("#auction-msg");
    if (!start || !step) { msg.textContent = t("Give a starting price and a bid step above zero."); msg.className = "error"; return; }
    const button = $("#auction-submit");
    button.disabled = true;
    try {
      const a = await api(`/shows/${showId}/auctions`, { method: "POST", body: {
        variant_id: Number(f.get("variant_id")), market: code, start_price: start, increments: [[0, step]],
        duration_seconds: Number(f.get("duration")), anti_snipe_seconds: Number(f.get("snipe")),
        sudden_death: f.get("sudden") === "on",
      } });
      const title = variants.find((x) => x.v.id === a.variant_id)?.p.title;
      auction = fromPublic(a, title);
      msg.textContent = t("Auction #{id} is live: bids from {formatted}.", { id: a.id, formatted: a.start_price.formatted });
      msg.className = "ok";
      renderAuction();
    } catch (e) {
      msg.textContent = e.message;
      msg.className = "error";
    } finally {
      button.disabled = false;
    }
  });

  // --- giveaways --------------------------------------------------------------------------
  $("#g-variant").replaceChildren(...options());
  $("#g-elig").addEventListener("change", () => { $("#g-market-row").hidden = $("#g-elig").value !== "market"; });

  function renderGiveaway() {
    $("#giveaway-live").hidden = !giveaway;
    if (!giveaway) return;
    $("#gl-prize").textContent = giveaway.title;
    $("#gl-elig").textContent = eligibilityText(giveaway);
    $("#gl-count").textContent = giveaway.count;
    $("#giveaway-draw").hidden = giveaway.status !== "open";
    $("#gl-winner").textContent = giveaway.status === "open" ? ""
      : giveaway.winner ? (giveaway.status === "claimed" ? t("Winner: @{winner} (claimed)", { winner: giveaway.winner }) : t("Winner: @{winner}", { winner: giveaway.winner })) : t("No eligible entrant was left: no winner.");
    $("#giveaway-form").hidden = giveaway.status === "open";
  }

  $("#giveaway-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    const eligibility = String(f.get("eligibility"));
    const msg = $("#giveaway-msg");
    const button = $("#giveaway-submit");
    button.disabled = true;
    try {
      const g = await api(`/shows/${showId}/giveaways`, { method: "POST", body: {
        variant_id: Number(f.get("variant_id")), eligibility, market: eligibility === "market" ? f.get("market") : null,
      } });
      giveaway = giveawayFrom(g, variants.find((x) => x.v.id === g.variant_id)?.p.title || t("Prize"));
      msg.textContent = t("Giveaway #{id} is open.", { id: g.id });
      msg.className = "ok";
      renderGiveaway();
    } catch (e) {
      msg.textContent = e.message;
      msg.className = "error";
    } finally {
      button.disabled = false;
    }
  });

  $("#giveaway-draw").addEventListener("click", async () => {
    const button = $("#giveaway-draw");
    button.disabled = true;
    try {
      const g = await api(`/giveaways/${giveaway.id}/draw`, { method: "POST" });
      mergeGiveaway(giveaway, giveawayFrom(g, giveaway.title));
      renderGiveaway();
    } catch (e) {
      $("#gl-winner").textContent = e.message;
    } finally {
      button.disabled = false;
    }
  });

  async function refresh() {
    const [auctions, giveaways] = await Promise.all([
      api(`/shows/${showId}/auctions`).catch(() => []), api(`/shows/${showId}/giveaways`).catch(() => []),
    ]);
    const a = auctions[0];
    if (a) {
      const next = fromPublic(a, products.find((p) => p.id === a.product_id)?.title);
      auction = auction?.id === next.id ? merge(auction, next) : next;
    }
    const g = giveaways[0];
    if (g && (g.status === "open" || g.status === "drawn" || giveaway?.id === g.id)) {
      const next = giveawayFrom(g, products.find((p) => p.id === g.product_id)?.title || t("Prize"));
      giveaway = giveaway?.id === next.id ? mergeGiveaway(giveaway, next) : next;
    }
    renderAuction();
    renderGiveaway();
  }

  return {
    refresh,
    handlers: {
      auction_opened(e) { if (auction?.id !== e.auction_id) refresh(); },
      auction_bid(e) { if (auction?.id === e.auction_id) { applyBid(auction, e); renderAuction(); } else refresh(); },
      auction_extended(e) {
        if (auction?.id !== e.auction_id) return;
        auction.endsAt = Math.max(auction.endsAt, Date.parse(e.ends_at));
        renderAuction();
      },
      auction_ended(e) {
        if (auction?.id !== e.auction_id) return;
        Object.assign(auction, { status: "ended", winner: e.winner, price: e.price ?? auction.price });
        $("#auction-msg").textContent = "";
        renderAuction();
      },
      giveaway_opened() { refresh(); },
      giveaway_entered(e) { if (giveaway?.id === e.giveaway_id) { giveaway.count = Math.max(giveaway.count, e.count); renderGiveaway(); } },
      giveaway_drawn(e) {
        if (giveaway?.id !== e.giveaway_id) { refresh(); return; }
        mergeGiveaway(giveaway, { status: e.winner ? "drawn" : "no_winner", winner: e.winner, round: e.round });
        renderGiveaway();
      },
    },
  };
}
