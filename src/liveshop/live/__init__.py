"""Live domain: shows, stream keys."""
