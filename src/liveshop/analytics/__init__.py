"""Insight and operations: event ingest, rollups, reports, heatmaps and the staffing planner."""
