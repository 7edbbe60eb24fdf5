"""Write deploy/.env.example from the Settings model plus the meanings below.

Run from the repository root: .venv/bin/python deploy/make_env_example.py
"""
import json
import sys
from pathlib import Path
from liveshop.settings import Settings

MEANING = {
 "env": "development | test | production (production refuses the placeholder secret key)",
 "secret_key": "32+ random characters; signs sessions, CSRF tokens and derives stream keys",
 "database_url": "sqlite+aiosqlite:///./var/liveshop.db, or postgresql+asyncpg://user@host/db",
 "redis_url": "redis://host:6379/0 shares rooms, gates, counters and rate limits across processes",
 "base_url": "the public address: links, RTMP host name, Secure cookies and HSTS when https",
 "host": "bind address of `liveshop serve`",
 "port": "port of `liveshop serve`",
 "hold_minutes": "how long checkout and buy-now reserve stock for an unpaid order",
 "deal_hold_minutes": "how long a flash-deal winner has to pay",
 "discovery_trending_seconds": "how long a process reuses a market's trending list in the feed (0 = never)",
 "max_unpaid_orders": "open unpaid orders one buyer may have at once",
 "max_held_units_per_variant": "units of one variant one buyer may hold unpaid",
 "sweep_interval_seconds": "how often the background jobs sweep (holds, deals, auctions)",
 "jobs_in_web": "run background jobs inside the web process: empty = only without Redis",
 "job_lease_seconds": "a job worker that stops renewing its lease is replaced after this",
 "max_body_bytes": "larger request bodies get 413 body_too_large",
 "import_max_bytes": "largest product file (Shopify CSV/JSON) a seller may upload for import",
 "db_pool_size": "database connections per process",
 "log_json": "JSON log lines (with request_id) instead of plain text",
 "log_level": "DEBUG, INFO, WARNING or ERROR",
 "var_dir": "where the demo database and other local state live",
 "metrics_token": "Bearer token for /metrics; unset, only unproxied local clients may read it",
 "media_enabled": "false: no video (no nginx); everything else works",
 "nginx_binary": "the nginx that `serve` and `media run` supervise",
 "rtmp_port": "RTMP ingest port (OBS points here)",
 "media_http_port": "the media server's HTTP port (HLS, stats, hook proxy)",
 "media_dir": "HLS fragments, recordings and nginx's files",
 "media_public_url": "where viewers fetch HLS, e.g. https://shop.example.com (default http://host:media_http_port)",
 "media_hook_secret": "shared secret nginx adds to its hooks; derived from secret_key when unset",
 "ledger_fee_bp": 'platform fee per market in basis points, JSON, e.g. {"UK": 900, "US": 800}',
 "ledger_fee_fixed": 'fixed platform fee per order in minor units per market, JSON, e.g. {"ID": 500}',
 "ledger_settle_days": 'days after delivery before an order settles, per market, JSON',
 "ledger_payout_minimum": 'smallest payout per currency in minor units, JSON, e.g. {"GBP": 100}',
 "media_hook_url": "where nginx-rtmp reaches the app for its hooks, e.g. http://127.0.0.1:8000",
 "analytics_buffer_events": "analytics events buffered per process before new ones are dropped (and counted in /metrics)",
 "analytics_flush_events": "buffered analytics events that trigger a write before the next tick",
 "analytics_flush_seconds": "how often each process writes its buffered analytics events",
 "analytics_heartbeat_seconds": "how often a watching viewer's watch time is recorded",
 "analytics_rollup_seconds": "how often the rollup job folds new events into the report tables",
 "analytics_settle_seconds": "PostgreSQL: how old an event's number must be before the rollup reads it (late commits)",
 "analytics_retention_days": "days raw analytics events are kept (rollups are kept for good)",
 "rate_analytics_beacon": "analytics beacon batches per client address (a page sends one every few seconds)",
 "room_tick_seconds": "live room frame cadence (0.1 = up to 10 frames a second)",
 "room_history_events": "events kept per room for resuming",
 "room_queue_frames": "frames queued per viewer before a slow consumer is cut off (4008)",
 "room_heartbeat_seconds": "heartbeat interval on room sockets",
 "room_stats_seconds": "how often viewer counts and stock are refreshed",
 "room_persist_seconds": "how often room counters are written to the database",
 "room_recent_chat": "chat messages in a room snapshot",
 "room_chat_limit": "chat messages per user per window",
 "room_chat_window_seconds": "the chat rate window",
 "room_like_limit": "like messages per connection per second",
 "room_bid_limit": "bids per user per window (HTTP and socket together)",
 "room_bid_window_seconds": "the bid rate window",
 "room_entry_limit": "giveaway entries per user per window",
 "room_entry_window_seconds": "the giveaway entry rate window",
 "media_rtmp_module": "path of nginx's RTMP module (Debian: libnginx-mod-rtmp)",
 "media_reconnect_grace_seconds": "an encoder that reconnects within this keeps the show live",
 "media_poll_seconds": "stream health polling and show ending",
 "rate_login_ip": "login attempts per address (limits syntax: 30/minute;300/hour)",
 "rate_login_account": "login attempts per account",
 "rate_signup_ip": "sign-ups per address",
 "rate_signup_account": "sign-ups per e-mail address",
 "rate_reset_ip": "password-reset requests per address",
 "rate_reset_account": "password-reset requests per account",
 "password_workers": "argon2 threads (64 MiB each); hashing never runs on the event loop",
 "password_queue": "password checks waiting for a thread before new ones get 429",
 "api_token_max_days": "the longest lifetime an API token may have",
 "reset_token_minutes": "how long a password-reset link works",
 "mail_backend": "console (prints mail; development) or smtp",
 "mail_from": "the From address of Liveshop's e-mail",
 "smtp_host": "SMTP relay host",
 "smtp_port": "SMTP relay port",
 "smtp_username": "SMTP login (empty: none)",
 "smtp_password": "SMTP password",
 "smtp_starttls": "upgrade the SMTP connection with STARTTLS",
 "smtp_tls": "implicit TLS (port 465)",
 "smtp_timeout_seconds": "give up on the SMTP relay after this",
 "webhook_timeout_seconds": "an outgoing webhook attempt gives up after this",
 "webhook_backoff_base_seconds": "the first retry's wait; each next one doubles (with jitter)",
 "webhook_max_attempts": "attempts before a webhook delivery is dead-lettered",
 "webhook_disable_after_failures": "failed attempts in a row that disable an endpoint...",
 "webhook_disable_after_seconds": "...once it has been failing at least this long",
 "webhook_poll_seconds": "how often the delivery job looks for due webhooks",
 "webhook_lease_seconds": "a delivery claimed by a worker that died is retried after this",
 "webhook_batch": "webhook deliveries one worker sends at once",
 "webhook_allow_private_hosts": "allow endpoints on private addresses (empty: not in production)",
 "webhook_retention_days": "delivered and dead-lettered webhook deliveries are kept this long",
 "rate_api_token": "requests per public API token (limits syntax)",
}

def value(v):
    if v is None: return ""
    if isinstance(v, bool): return str(v).lower()
    if isinstance(v, (dict, list)): return json.dumps(v, separators=(",", ":"))  # as pydantic reads it
    return str(v)

out = ["# Liveshop settings: copy to /etc/liveshop/liveshop.env (or .env) and edit.",
       "# Every setting is an environment variable; lines starting with # show the default.",
       "# Generated from liveshop.settings.Settings; tests/test_deploy.py checks it is complete.", ""]
missing = []
for name, f in Settings.model_fields.items():
    meaning = MEANING.get(name)
    if meaning is None:
        missing.append(name); meaning = "(describe me)"
    out.append(f"# {meaning}")
    key = f"LIVESHOP_{name.upper()}"
    if name == "env": out.append(f"{key}=production")
    elif name == "secret_key": out.append(f"{key}=change-me-to-32-or-more-random-characters")
    elif name == "database_url": out.append(f"{key}=postgresql+asyncpg://liveshop@127.0.0.1:5432/liveshop")
    elif name == "redis_url": out.append(f"{key}=redis://127.0.0.1:6379/0")
    elif name == "base_url": out.append(f"{key}=https://shop.example.com")
    elif name == "media_public_url": out.append(f"{key}=https://shop.example.com")
    elif name == "media_hook_url": out.append(f"{key}=http://127.0.0.1:8000")
    elif name == "mail_backend": out.append(f"{key}=smtp")
    else: out.append(f"#{key}={value(f.default)}")
    out.append("")
Path("deploy/.env.example").write_text("\n".join(out))
if missing: print("no meaning for:", missing, file=sys.stderr)
