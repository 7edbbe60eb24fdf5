"""Token test fixtures: a tight per-token rate limit, so the limit itself can be tested."""

from __future__ import annotations

import pytest

from liveshop.settings import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"rate_api_token": "6/minute"})
