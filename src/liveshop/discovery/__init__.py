"""Discovery: search that forgives typing (products, shows, creators, shops), the For you feed."""
