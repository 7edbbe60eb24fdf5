"""Integrations: Shopify import and sync, outgoing webhooks, API tokens."""
