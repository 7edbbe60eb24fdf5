"""Liveshop: open-source live commerce."""
