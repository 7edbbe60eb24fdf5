"""nginx-rtmp: config rendering, media URLs and stream stats (media_supervisor runs nginx).

Encoders publish to `rtmp://host:port/live/<stream key>`. The on_publish hook answers with a
3xx whose Location renames the stream to `show-<id>`, so HLS (and the stat page) only ever
carry the public name: the key never reaches a viewer.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import os
import shutil
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

import httpx

from liveshop.settings import Settings

log = logging.getLogger(__name__)

APP = "live"
HLS_APP = "hls"  # internal: only the local push publishes here
HLS_FRAGMENT_SECONDS = 1
# Long enough that the replay builder, polling every few seconds, never misses a fragment.
HLS_WINDOW_SECONDS = 60
LIVE_PLAYLIST = "index.m3u8"
REPLAY_PLAYLIST = "replay.m3u8"
START_TIMEOUT_SECONDS = 10.0
STOP_TIMEOUT_SECONDS = 5.0


class ManagedMedia(Protocol):
    async def stop(self) -> None: ...


# --- names and URLs ----------------------------------------------------------------------


def stream_name(show_id: int) -> str:
    """The public stream name nginx publishes under after the on_publish redirect."""
    return f"show-{show_id}"


def hook_secret(settings: Settings) -> str:
    """The shared secret nginx puts in every hook URL."""
    if settings.media_hook_secret:
        return settings.media_hook_secret
    digest = hmac.new(settings.secret_key.encode(), b"liveshop-media-hooks", hashlib.sha256)
    return digest.hexdigest()[:40]


def _host(settings: Settings) -> str:
    return urlsplit(settings.base_url).hostname or "127.0.0.1"


def rtmp_url(settings: Settings) -> str:
    return f"rtmp://{_host(settings)}:{settings.rtmp_port}/{APP}"


def hls_base_url(settings: Settings) -> str:
    origin = settings.media_public_url or f"http://{_host(settings)}:{settings.media_http_port}"
    return origin.rstrip("/") + "/hls"


def hls_dir(settings: Settings) -> Path:
    return settings.media_dir.resolve() / "hls"


def live_playlist_url(settings: Settings, show_id: int) -> str:
    return f"{hls_base_url(settings)}/{stream_name(show_id)}/{LIVE_PLAYLIST}"


def replay_relpath(show_id: int) -> str:
    """Where a show's replay lives, relative to the HLS directory (stored in replay_path)."""
    return f"{stream_name(show_id)}/{REPLAY_PLAYLIST}"


def stat_url(settings: Settings) -> str:
    return f"http://127.0.0.1:{settings.media_http_port}/stat"


HOOK_HEADER = "X-Liveshop-Hook-Secret"
HOOK_PROXY = "/_liveshop_hooks/"


def _hook_url(settings: Settings, call: str) -> str:
    """Where nginx-rtmp sends a hook: its own HTTP server, which adds the secret header.

    nginx-rtmp can put nothing but the URL on a hook request, and a secret in a URL lands in
    every access log on the way (ours, a reverse proxy's); a header does not.
    """
    return f"http://127.0.0.1:{settings.media_http_port}{HOOK_PROXY}{call}"


# --- the config --------------------------------------------------------------------------


def _q(value: object) -> str:
    """Quote a value for nginx.conf so paths and URLs with odd characters stay one token."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def hook_target(settings: Settings) -> str:
    """Where nginx-rtmp's hook proxy sends the hooks: the app itself, not its public side."""
    return (settings.media_hook_url or settings.base_url).rstrip("/") + "/api/v1/media/hooks/"


def render_config(settings: Settings) -> str:
    """A complete, standalone nginx.conf: RTMP ingest, HLS, hooks and the stat page."""
    media = settings.media_dir.resolve()
    tmp = media / "tmp"
    # Our own -c config skips /etc/nginx/modules-enabled, and root's workers would otherwise
    # drop to nobody and fail to write HLS into a private media_dir.
    user = "user root;\n" if hasattr(os, "geteuid") and os.geteuid() == 0 else ""
    cors = 'add_header Access-Control-Allow-Origin "*" always;'
    return f"""# Rendered by `liveshop media config` from LIVESHOP_* settings; edit those, not this.
load_module {_q(settings.media_rtmp_module)};
{user}daemon off;
# nginx-rtmp keeps streams per worker: one worker sees every publisher.
worker_processes 1;
pid {_q(media / "nginx.pid")};
error_log {_q(media / "logs" / "error.log")} warn;

events {{
    worker_connections 1024;
}}

rtmp {{
    # The publish name is the stream key: the access log never records names or arguments.
    log_format liveshop '$remote_addr [$time_local] $command "$app" '
                        '$bytes_received $bytes_sent ($session_readable_time)';
    access_log {_q(media / "logs" / "rtmp-access.log")} liveshop;

    server {{
        listen {settings.rtmp_port};
        chunk_size 4096;

        # Ingest. nginx-rtmp's HLS module sees a publish before the on_publish redirect
        # renames it, so HLS lives in a second application fed by a local push under the
        # public name: the key never becomes a file or URL.
        application {APP} {{
            live on;
            record off;
            # Viewers watch HLS; RTMP playback would bypass the room entirely.
            deny play all;
            drop_idle_publisher 10s;

            notify_method post;
            on_publish {_q(_hook_url(settings, "publish"))};
            on_publish_done {_q(_hook_url(settings, "publish-done"))};

            push rtmp://127.0.0.1:{settings.rtmp_port}/{HLS_APP};
        }}

        application {HLS_APP} {{
            live on;
            record off;
            allow publish 127.0.0.1;
            deny publish all;
            deny play all;

            hls on;
            hls_path {_q(media / "hls")};
            hls_nested on;
            hls_fragment {HLS_FRAGMENT_SECONDS}s;
            hls_playlist_length {HLS_WINDOW_SECONDS}s;
            # Fragments stay for the replay; a reconnect continues the same playlist.
            hls_cleanup off;
            hls_continuous on;
        }}
    }}
}}

http {{
    access_log off;
    # A player (or a prober) asking for a stream that is not there is no error worth a line.
    log_not_found off;
    sendfile on;
    tcp_nopush on;
    client_body_temp_path {_q(tmp / "body")};
    proxy_temp_path {_q(tmp / "proxy")};
    fastcgi_temp_path {_q(tmp / "fastcgi")};
    uwsgi_temp_path {_q(tmp / "uwsgi")};
    scgi_temp_path {_q(tmp / "scgi")};

    types {{
        application/vnd.apple.mpegurl m3u8;
        video/mp2t ts;
    }}
    default_type application/octet-stream;

    server {{
        listen {settings.media_http_port};

        location /hls/ {{
            alias {_q(str(media / "hls") + "/")};
            {cors}
            add_header Cache-Control "public, max-age=3600";
            # A live playlist changes every fragment: caching it freezes the player.
            location ~ \\.m3u8$ {{
                {cors}
                add_header Cache-Control "no-cache";
            }}
        }}

        # nginx-rtmp's hooks, on to Liveshop with the secret as a header. Local only: the
        # secret is added here, so nobody else may use this door.
        location {HOOK_PROXY} {{
            allow 127.0.0.1;
            deny all;
            proxy_pass {_q(hook_target(settings))};
            proxy_set_header {HOOK_HEADER} {_q(hook_secret(settings))};
            proxy_redirect off;
            proxy_ssl_server_name on;  # an https base_url behind SNI
        }}

        location = /stat {{
            allow 127.0.0.1;
            deny all;
            rtmp_stat all;
        }}
    }}
}}
"""


# --- availability ------------------------------------------------------------------------


def unavailable_reason(settings: Settings) -> str | None:
    """Why video cannot work on this machine, or None when nginx and the module are there."""
    if not settings.media_enabled:
        return "Video is disabled (LIVESHOP_MEDIA_ENABLED=false)."
    if shutil.which(settings.nginx_binary) is None:
        return f"nginx is not installed ({settings.nginx_binary!r} is not on PATH)."
    if not settings.media_rtmp_module.is_file():
        return f"The nginx RTMP module is missing ({settings.media_rtmp_module})."
    return None


async def port_open_async(port: int, host: str = "127.0.0.1", wait: float = 0.5) -> bool:
    try:
        _reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), wait)
    except (OSError, TimeoutError):
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True


# --- stream stats ------------------------------------------------------------------------


@dataclass(frozen=True)
class StreamStat:
    bytes_in: int
    bw_in: int  # bits/s, averaged by nginx over ~10 s, so 0 for a stream's first seconds


async def fetch_streams(
    settings: Settings, *, wait: float = 2.0, client: httpx.AsyncClient | None = None
) -> dict[str, StreamStat] | None:
    """Publishing streams of the ingest application by name; None when nginx is unreachable.

    Pollers pass their own `client`: a new one loads the CA bundle, a real cost every tick.
    """
    try:
        if client is None:
            async with httpx.AsyncClient(timeout=wait) as own:
                response = await own.get(stat_url(settings))
        else:
            response = await client.get(stat_url(settings), timeout=wait)
        response.raise_for_status()
        root = ET.fromstring(response.content)
    except (httpx.HTTPError, ET.ParseError):
        return None
    out: dict[str, StreamStat] = {}
    for app in root.iter("application"):
        if app.findtext("name") != APP:
            continue
        for stream in app.iter("stream"):
            if stream.find("publishing") is None:
                continue
            out[stream.findtext("name") or ""] = StreamStat(
                bytes_in=_int(stream.findtext("bytes_in")), bw_in=_int(stream.findtext("bw_in"))
            )
    return out


def _int(text: str | None) -> int:
    try:
        return int(text or 0)
    except ValueError:
        return 0


# --- the managed process -----------------------------------------------------------------


def write_config(settings: Settings) -> Path:
    """Create media_dir's layout and write nginx.conf into it; returns the config path."""
    media = settings.media_dir.resolve()
    for sub in ("hls", "logs", "tmp"):
        (media / sub).mkdir(parents=True, exist_ok=True)
    conf = media / "nginx.conf"
    # It holds the hook secret: readable by its owner (who runs nginx) only.
    conf.touch(mode=0o600)
    conf.chmod(0o600)
    conf.write_text(render_config(settings))
    return conf


# --- replays -----------------------------------------------------------------------------
# nginx keeps a rolling live playlist; the replay is the union of every window we saw, built
# as the show runs so that a long show loses nothing, and closed with ENDLIST at the end.


def _parse_playlist(text: str) -> dict[str, tuple[int, float, bool]]:
    """Fragments of a playlist: uri -> (sequence number, duration, discontinuity before)."""
    out: dict[str, tuple[int, float, bool]] = {}
    seq, duration, discontinuity = 0, None, False
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#EXT-X-MEDIA-SEQUENCE:"):
            with contextlib.suppress(ValueError):
                seq = int(line.split(":", 1)[1])
        elif line == "#EXT-X-DISCONTINUITY":
            discontinuity = True
        elif line.startswith("#EXTINF:"):
            with contextlib.suppress(ValueError):
                duration = float(line[8:].split(",", 1)[0])
        elif line and not line.startswith("#") and duration is not None:
            # Only plain relative names: a playlist must not point the replay elsewhere.
            if "/" not in line and ".." not in line:
                # nginx names fragments by sequence number: that orders them even across
                # gaps, where counting from MEDIA-SEQUENCE would not.
                stem = line.rsplit(".", 1)[0]
                out[line] = (int(stem) if stem.isdigit() else seq, duration, discontinuity)
            seq, duration, discontinuity = seq + 1, None, False
    return out


def _render_playlist(frags: dict[str, tuple[int, float, bool]], *, final: bool) -> str:
    ordered = sorted(frags.items(), key=lambda item: item[1][0])
    target = max((int(d) + (d % 1 > 0) for _u, (_s, d, _x) in ordered), default=1)
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        f"#EXT-X-PLAYLIST-TYPE:{'VOD' if final else 'EVENT'}",
        f"#EXT-X-TARGETDURATION:{target}",
        f"#EXT-X-MEDIA-SEQUENCE:{ordered[0][1][0] if ordered else 0}",
    ]
    for uri, (_seq, duration, discontinuity) in ordered:
        if discontinuity:
            lines.append("#EXT-X-DISCONTINUITY")
        lines += [f"#EXTINF:{duration:.3f},", uri]
    if final:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def merge_replay(settings: Settings, show_id: int, *, final: bool) -> str | None:
    """Fold the live playlist into the show's replay; its replay_path once it has fragments."""
    folder = hls_dir(settings) / stream_name(show_id)
    frags: dict[str, tuple[int, float, bool]] = {}
    for name in (REPLAY_PLAYLIST, LIVE_PLAYLIST):
        with contextlib.suppress(FileNotFoundError):
            frags.update(_parse_playlist((folder / name).read_text(errors="replace")))
    if not frags:
        return None
    tmp = folder / f".{REPLAY_PLAYLIST}.{os.getpid()}.tmp"
    tmp.write_text(_render_playlist(frags, final=final))
    # Atomic: a player or a second worker never sees half a playlist.
    os.replace(tmp, folder / REPLAY_PLAYLIST)
    return replay_relpath(show_id)
