"""Live domain: shows, campaigns, video ingest and the live room."""
