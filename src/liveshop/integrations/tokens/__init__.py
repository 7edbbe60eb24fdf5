"""Public API tokens per shop and per creator, with scopes and their own rate limits."""
