"""Campaigns: a multi-brand live event that groups several shows under one page."""
