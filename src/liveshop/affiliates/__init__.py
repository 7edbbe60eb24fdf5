"""Affiliate collaborations: shops offer products to creators for a commission."""
