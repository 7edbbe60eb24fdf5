"""Outgoing webhooks (Standard Webhooks): endpoints, a durable outbox, a leased delivery job."""
