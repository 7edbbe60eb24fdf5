"""LIVE coupons: created for a show, claimed by viewers who watched long enough, applied at
checkout."""
