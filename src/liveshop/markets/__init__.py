"""Markets domain."""
