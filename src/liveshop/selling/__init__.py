"""Selling in the live room: flash deals, auctions, giveaways, LIVE coupons."""
