"""One Settings class for the whole process, read from `LIVESHOP_*` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from limits import parse_many
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-insecure-secret-key-change-me"


class Settings(BaseSettings):
    # An empty variable means "unset" (the default), as in deploy/.env.example.
    model_config = SettingsConfigDict(
        env_prefix="LIVESHOP_", env_file=".env", extra="ignore", env_ignore_empty=True
    )

    env: Literal["development", "test", "production"] = "development"
    secret_key: str = DEV_SECRET
    database_url: str = "sqlite+aiosqlite:///./var/liveshop.db"
    redis_url: str | None = None
    base_url: str = "http://127.0.0.1:8000"
    host: str = "127.0.0.1"
    port: int = 8000

    hold_minutes: float = Field(default=10, gt=0, le=24 * 60)
    deal_hold_minutes: float = Field(default=5, gt=0, le=60)
    # Discovery: how long a process reuses a market's trending list (0 = never).
    discovery_trending_seconds: float = Field(default=30, ge=0, le=3600)
    # Anti-hoarding: what one buyer may hold unpaid through buy-now and checkout at a time.
    max_unpaid_orders: int = Field(default=3, ge=1, le=1000)
    max_held_units_per_variant: int = Field(default=5, ge=1, le=100_000)
    sweep_interval_seconds: float = Field(default=2.0, gt=0)
    # Background jobs in the web process: None means "in embedded mode only" (no Redis);
    # with Redis, run `liveshop worker` beside the web processes.
    jobs_in_web: bool | None = None
    job_lease_seconds: float = Field(default=6.0, ge=1, le=300)
    max_body_bytes: int = Field(default=1_048_576, gt=0)
    # Product file uploads (/api/v1/imports/...) may be larger: they are spooled to disk.
    import_max_bytes: int = Field(default=50 * 1_048_576, gt=0)
    db_pool_size: int = Field(default=10, ge=1)
    log_json: bool = True
    log_level: str = "INFO"
    var_dir: Path = Path("./var")
    # Bearer token for /metrics; unset, only local clients that came through no proxy may read.
    metrics_token: str | None = None

    # Video: nginx with the RTMP module ingests, writes HLS and recordings under media_dir.
    media_enabled: bool = True
    nginx_binary: str = "nginx"
    rtmp_port: int = 1935
    media_http_port: int = 8089
    media_dir: Path = Path("./var/media")
    media_public_url: str | None = (
        None  # where viewers fetch HLS; default http://host:media_http_port
    )
    media_hook_secret: str | None = None  # derived from secret_key when unset
    # Where nginx-rtmp reaches Liveshop for its hooks; the base URL when unset. Behind a TLS
    # proxy, point it at the app's local address (http://127.0.0.1:8000).
    media_hook_url: str | None = None

    # The live room: frame cadence, resume history, back-pressure and per-user limits.
    room_tick_seconds: float = Field(default=0.1, gt=0, le=5)
    room_history_events: int = Field(default=1000, ge=10, le=100_000)
    room_queue_frames: int = Field(default=100, ge=2, le=10_000)
    room_heartbeat_seconds: float = Field(default=15, gt=0)
    room_stats_seconds: float = Field(default=1.0, gt=0)
    room_persist_seconds: float = Field(default=10.0, gt=0)
    room_recent_chat: int = Field(default=50, ge=0, le=500)
    room_chat_limit: int = Field(default=10, ge=1)  # messages per user per window
    room_chat_window_seconds: float = Field(default=10, gt=0)
    room_like_limit: int = Field(default=30, ge=1)  # like messages per connection per second
    room_bid_limit: int = Field(default=5, ge=1)  # bids per user per window, HTTP and socket
    room_bid_window_seconds: float = Field(default=2, gt=0)
    room_entry_limit: int = Field(default=5, ge=1)  # giveaway entries per user per window
    room_entry_window_seconds: float = Field(default=10, gt=0)
    media_rtmp_module: Path = Path("/usr/lib/nginx/modules/ngx_rtmp_module.so")
    # An encoder that reconnects within this many seconds keeps the show live.
    media_reconnect_grace_seconds: float = Field(default=10.0, ge=0)
    media_poll_seconds: float = Field(default=2.0, gt=0)  # stream health and show ending

    # Accounts: abuse limits (`limits` syntax: "10/minute;100/hour"), the password hasher's
    # thread pool, session and API token lifetimes, and how mail goes out.
    rate_login_ip: str = "30/minute;300/hour"
    rate_login_account: str = "10/minute;50/hour"
    rate_signup_ip: str = "10/minute;50/hour"
    rate_signup_account: str = "3/hour"  # also caps "you already have an account" mails
    rate_reset_ip: str = "10/minute;50/hour"
    rate_reset_account: str = "3/hour"
    password_workers: int = Field(default=2, ge=1, le=64)  # argon2 threads (64 MiB each)
    password_queue: int = Field(default=4, ge=0, le=10_000)  # waiting beyond this: 429
    api_token_max_days: int = Field(default=365, ge=1)
    reset_token_minutes: float = Field(default=30, gt=0, le=24 * 60)
    mail_backend: Literal["console", "smtp"] = "console"
    mail_from: str = "Liveshop <no-reply@liveshop.localhost>"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_tls: bool = False  # implicit TLS (port 465)
    smtp_timeout_seconds: float = Field(default=10, gt=0)

    # Analytics: the per-process event buffer, the rollup job, and how long raw events stay.
    analytics_buffer_events: int = Field(default=100_000, ge=100, le=10_000_000)
    analytics_flush_events: int = Field(default=5_000, ge=1, le=1_000_000)
    analytics_flush_seconds: float = Field(default=1.0, gt=0, le=60)
    analytics_heartbeat_seconds: float = Field(default=30, gt=0, le=3600)
    analytics_rollup_seconds: float = Field(default=2.0, gt=0, le=3600)
    analytics_settle_seconds: float = Field(default=2.0, ge=0, le=600)
    analytics_retention_days: int = Field(default=90, ge=1, le=3650)
    rate_analytics_beacon: str = "600/minute"  # beacon batches per client address
    # The ledger (README "Ledger"): platform fee per market in basis points of what the buyer
    # paid plus platform-funded discounts, a fixed fee per order in minor units, the days after
    # delivery before a seller's funds settle, and the smallest payout per currency.
    ledger_fee_bp: dict[str, int] = Field(
        default={"UK": 900, "DE": 900, "FR": 900, "IT": 900, "ES": 900, "US": 800, "ID": 500}
    )
    ledger_fee_fixed: dict[str, int] = Field(default={"ID": 500})
    # Per market, a product category's rate, overriding `ledger_fee_bp` for the order lines in
    # it (the category is the seller's discovery label, matched case-insensitively). README:
    # "Platform fees" says where the figures come from.
    ledger_fee_category_bp: dict[str, dict[str, int]] = Field(
        default={
            "ID": {
                "electronics": 400,
                "phones": 400,
                "computers": 400,
                "home": 500,
                "food": 500,
                "toys": 500,
                "sports": 500,
                "books": 500,
                "fashion": 650,
                "beauty": 650,
                "accessories": 650,
            }
        }
    )
    ledger_settle_days: dict[str, int] = Field(
        default={"UK": 8, "DE": 8, "FR": 8, "IT": 8, "ES": 8, "US": 7, "ID": 3}
    )
    ledger_payout_minimum: dict[str, int] = Field(
        default={"GBP": 100, "EUR": 100, "USD": 100, "IDR": 10_000}
    )
    # Integrations: outgoing webhooks (attempt n waits base * 2**(n-1), ±20 % jitter; the
    # default 7 s over 12 attempts spans about 4 hours before a delivery is dead-lettered) and
    # public API tokens.
    webhook_timeout_seconds: float = Field(default=5, gt=0, le=60)
    webhook_backoff_base_seconds: float = Field(default=7, gt=0, le=3600)
    webhook_max_attempts: int = Field(default=12, ge=1, le=50)
    webhook_disable_after_failures: int = Field(default=50, ge=1)
    webhook_disable_after_seconds: float = Field(default=4 * 3600, ge=0)
    webhook_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    webhook_lease_seconds: float = Field(default=30, ge=1, le=3600)
    webhook_batch: int = Field(default=20, ge=1, le=500)
    webhook_allow_private_hosts: bool | None = None  # None: allowed outside production
    webhook_retention_days: float = Field(default=30, gt=0)  # delivered and dead rows
    rate_api_token: str = "600/minute;20000/hour"

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        # A forgotten secret in production would let anyone forge sessions and CSRF tokens.
        if self.env == "production" and (
            self.secret_key == DEV_SECRET or len(self.secret_key) < 32
        ):
            raise ValueError(
                "LIVESHOP_SECRET_KEY must be set to 32+ random characters in production"
            )
        return self

    def pace(self, action: str) -> tuple[int, float]:
        """(limit, window seconds) of a paced per-user action: "bid" or "entry"."""
        return getattr(self, f"room_{action}_limit"), getattr(self, f"room_{action}_window_seconds")

    @property
    def runs_jobs_in_web(self) -> bool:
        return self.jobs_in_web if self.jobs_in_web is not None else self.redis_url is None

    @field_validator(
        "rate_login_ip",
        "rate_login_account",
        "rate_signup_ip",
        "rate_signup_account",
        "rate_reset_ip",
        "rate_reset_account",
        "rate_analytics_beacon",
        "rate_api_token",
    )
    @classmethod
    def _rate(cls, value: str) -> str:
        parse_many(value)  # a typo must stop the start, not disable the limit
        return value

    @property
    def https(self) -> bool:
        return self.base_url.lower().startswith("https://")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
