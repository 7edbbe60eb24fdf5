"""Shopify: product import (CSV in both header dialects, Admin REST JSON) and incoming webhooks."""
