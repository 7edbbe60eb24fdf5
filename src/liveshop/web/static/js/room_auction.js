// The room's auction panel: current bid, leader, a countdown that anti-sniping extends, bidding.
import { $, api, buyDialog, el, t, uid } from "./common.js";
import { money, toMinor } from "./room_money.js";

// One auction's state, from the API (AuctionPublic) or the room's events; it only moves forward.
export function fromPublic(a, title) {
  return {
    id: a.id, title: title || t("Auction"), market: a.market, currency: a.currency, status: a.status,
    start: a.start_price.amount, price: a.current_price?.amount ?? null, minBid: a.min_bid.amount,
    leader: a.leader, endsAt: Date.parse(a.ends_at), snipe: a.anti_snipe_seconds,
    suddenDeath: a.sudden_death, winner: a.status === "ended" ? a.leader : null, orderId: a.winner_order_id,
    productId: a.product_id,
  };
}

export function fromOpened(e, market) {
  return {
    id: e.auction_id, title: e.title, market, currency: e.currency, status: "open", start: e.start_price,
    price: null, minBid: e.min_bid, leader: null, endsAt: Date.parse(e.ends_at), snipe: e.anti_snipe_seconds,
    suddenDeath: e.sudden_death, winner: null, orderId: null, productId: e.product_id,
  };
}

// Fold a newer view into `a` (HTTP answers and events may arrive out of order).
export function merge(a, b) {
  if (b.price !== null && (a.price === null || b.price > a.price)) {
    Object.assign(a, { price: b.price, minBid: b.minBid, leader: b.leader });
  } else if (b.price === a.price && b.minBid > a.minBid) {
    a.minBid = b.minBid;
  }
  a.endsAt = Math.max(a.endsAt, b.endsAt);
  if (b.status === "ended") Object.assign(a, { status: "ended", winner: b.winner, orderId: b.orderId ?? a.orderId });
  return a;
}

export function applyBid(a, e) {
  return merge(a, { price: e.current_price, minBid: e.min_bid, leader: e.leader, endsAt: Date.parse(e.ends_at), status: "open" });
}

export function timeLeft(a, now = Date.now()) {
  const secs = Math.max(0, Math.ceil((a.endsAt - now) / 1000));
  return { secs, text: `${Math.floor(secs / 60)}:${String(secs % 60).padStart(2, "0")}` };
}

const REASONS = {
  below_minimum: "Someone bid first: try again at the new minimum.",
  already_leading: "You're already leading.",
  own_auction: "You can't bid on your own auction.",
  outside_market: "This auction is for buyers in another market.",
  auction_ended: "The auction has ended.",
  auction_closed: "The auction has ended.",
  banned: "You can't bid in this room.",
};

// The panel in the live room. `me` fills in once /me answers ({id, handle, market_code}).
export function auctionRoom({ showId, me, market }) {
  let a = null;
  let leading = false;
  const fmt = (minor) => money(minor, a.currency, a.market || market);
  const say = (text, cls = "") => { const m = $("#auction-msg"); m.textContent = text; m.className = cls; };

  function leaderText() {
    if (a.status === "ended") {
      if (!a.winner) return t("Ended with no bids.");
      return a.winner === me.handle ? t("You won at {v1}!", { v1: fmt(a.price) }) : t("Sold to @{winner} for {v2}.", { winner: a.winner, v2: fmt(a.price) });
    }
    if (!a.leader) return t("No bids yet.");
    return a.leader === me.handle ? t("You're leading.") : t("Leading: @{leader}", { leader: a.leader });
  }

  function render() {
    $("#auction").hidden = !a;
    if (!a) return;
    $("#auction-title").textContent = a.title;
    $("#auction-price-label").textContent = a.price === null ? t("Opening bid") : t("Current bid");
    $("#auction-price").textContent = fmt(a.price ?? a.start);
    $("#auction-leader").textContent = leaderText();
    $("#auction-rules").textContent = a.suddenDeath
      ? t("Sudden death: the clock never extends.")
      : t("A late bid extends the clock to {snipe} s.", { snipe: a.snipe });
    $("#bid-next").textContent = fmt(a.minBid);
    $("#bid-form").hidden = a.status !== "open";
    $("#auction-won").hidden = !(a.status === "ended" && a.winner && a.winner === me.handle && a.orderId && !a.paid);
    tick();
  }

  function tick() {
    if (!a) return;
    const { secs, text } = timeLeft(a);
    const open = a.status === "open";
    $("#auction-countdown").textContent = open ? (secs > 0 ? `${text} left` : t("Closing…")) : t("Auction over");
    $("#auction-countdown").classList.toggle("urgent", open && secs <= 10);
    $("#bid-button").disabled = !open || secs <= 0 || !me.id;
  }
  setInterval(tick, 250);

  async function refresh() {
    const list = await api(`/shows/${showId}/auctions`).catch(() => []);
    const latest = list[0];
    if (!latest) return;
    const mine = latest.status === "ended" && latest.leader && latest.leader === me.handle;
    if (latest.status !== "open" && !mine && a?.id !== latest.id) return;
    let title = a?.id === latest.id ? a.title : null;
    title ??= await api(`/products/${latest.product_id}`).then((p) => p.title, () => t("Auction"));
    const next = fromPublic(latest, title);
    a = a?.id === next.id ? merge(a, next) : next;
    if (mine && a.orderId) {
      a.paid = await api(`/orders/${a.orderId}`).then((o) => o.status !== "pending_payment", () => true);
    }
    leading = a.leader === me.handle;
    render();
  }

  $("#bid-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (!a) return;
    const raw = $("#bid-max").value.trim();
    const max = raw ? toMinor(raw, a.currency) : null;
    if (raw && (max === null || max < a.minBid)) {
      say(t("Your maximum must be at least {v1}.", { v1: fmt(a.minBid) }), "error");
      return;
    }
    const button = $("#bid-button");
    button.disabled = true;
    try {
      const r = await api(`/auctions/${a.id}/bids`, {
        method: "POST", idem: uid(), body: { amount: a.minBid, ...(max ? { max_amount: max } : {}) },
      });
      merge(a, fromPublic(r.auction, a.title));
      leading = r.leading;
      if (r.leading) say(max ? t("You're leading. We'll bid for you up to {v1}.", { v1: fmt(max) }) : t("You're leading!"), "ok");
      else say(t("Outbid straight away by another buyer's maximum. Current bid {v1}.", { v1: fmt(a.price) }), "error");
      $("#bid-max").value = "";
      render();
    } catch (e) {
      say(REASONS[e.code] || e.message, "error");
      refresh();
    } finally {
      tick();
    }
  });

  $("#auction-pay").addEventListener("click", () => {
    const won = a;
    buyDialog(t("{title} (auction, {v2})", { title: won.title, v2: fmt(won.price) }), (address) => api(`/auctions/${won.id}/address`, {
      method: "POST", body: { address },
    }).then((order) => [order]));
  });

  document.addEventListener("bought", (ev) => {
    if (a?.orderId && ev.detail.some((o) => o.id === a.orderId)) { a.paid = true; say(t("Paid. It's yours!"), "ok"); render(); }
  });

  const handlers = {
    auction_opened(e) {
      a = fromOpened(e, market);
      leading = false;
      say("");
      $("#auction-extended").textContent = "";
      render();
    },
    auction_bid(e) {
      if (a?.id !== e.auction_id) { refresh(); return; }
      applyBid(a, e);
      const now = a.leader === me.handle;
      if (leading && !now) say(t("You've been outbid! Current bid {v1}.", { v1: fmt(a.price) }), "error");
      leading = now;
      render();
    },
    auction_extended(e) {
      if (a?.id !== e.auction_id) return;
      // The bid event before it already carried the new end; this one says why it moved.
      a.endsAt = Math.max(a.endsAt, Date.parse(e.ends_at));
      $("#auction-extended").textContent = t("Late bid: clock extended to {snipe} s.", { snipe: a.snipe });
      render();
    },
    auction_ended(e) {
      if (a?.id !== e.auction_id) return;
      Object.assign(a, { status: "ended", winner: e.winner, price: e.price ?? a.price });
      if (e.winner && e.winner === me.handle) {
        say(t("You won! Give your address and pay to get it."), "ok");
        refresh(); // learns the order to pay
      }
      render();
    },
  };
  return { handlers, refresh, render: () => a && render() };
}

// A compact line for the studio: "Current bid £12.00 · @amy · 0:23 left".
export function auctionLine(a, market) {
  const f = (m) => money(m, a.currency, a.market || market);
  const { text } = timeLeft(a);
  if (a.status === "ended") return a.winner ? t("Sold to @{winner} for {v2}", { winner: a.winner, v2: f(a.price) }) : t("Ended with no bids");
  const price = a.price === null ? t("Opening bid {v1} · no bids yet", { v1: f(a.start) }) : t("Current bid {v1} · @{leader}", { v1: f(a.price), leader: a.leader });
  return el("span", {}, `${a.title}: ${price} · `, el("strong", { text: t("{text} left", { text }) }));
}
