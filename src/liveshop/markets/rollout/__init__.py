"""A market's rollout: its phase, feature switches, pilot allow-list, scheduled changes, audit."""
