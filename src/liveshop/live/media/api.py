"""nginx-rtmp callbacks, playback and replay routes, stream keys and stream health.

The hooks answer nginx: 3xx (with the public stream name) or 2xx to allow, 4xx to deny.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response, status

from liveshop.accounts.deps import CurrentUser
from liveshop.deps import IdPath, Uow, settings_of
from liveshop.errors import Problem
from liveshop.live.media import hooks
from liveshop.live.media import nginx as media
from liveshop.live.media.schemas import MediaStatus, StreamHealth, StreamSessionPublic
from liveshop.live.shows import service as shows
from liveshop.live.shows.schemas import ShowIngest

router = APIRouter(tags=["media"])


def require_hook_secret(request: Request) -> None:
    """Only our nginx knows the secret; its HTTP server adds it as a header (never in a URL,
    which access logs record)."""
    hooks.check_secret(settings_of(request), request.headers.get(media.HOOK_HEADER))


FromMediaServer = Depends(require_hook_secret)


async def _hook_form(request: Request) -> tuple[str, str | None]:
    """The stream name (the key as the encoder sent it) and the publisher's address."""
    try:
        form = await request.form()
    except Exception as exc:  # a body that is no form at all is a bad request, not a crash
        raise Problem(400, "bad_hook_body", "Expected an nginx-rtmp form body.") from exc
    name, addr = form.get("name"), form.get("addr")
    if not isinstance(name, str) or not name:
        raise Problem(400, "stream_name_missing", "The hook carries no stream name.")
    return name, addr[:64] if isinstance(addr, str) and addr else None


@router.post("/media/hooks/publish", include_in_schema=False, dependencies=[FromMediaServer])
async def on_publish(request: Request, uow: Uow) -> Response:
    """nginx asks whether a publish may start; a redirect renames it to the public name."""
    settings = settings_of(request)
    key, addr = await _hook_form(request)
    show = await hooks.check_publish(session=uow.session, settings=settings, key=key)
    await hooks.do_publish(uow=uow, settings=settings, show=show, client_addr=addr)
    await uow.commit()
    return Response(
        status_code=status.HTTP_302_FOUND, headers={"Location": media.stream_name(show.id)}
    )


@router.post("/media/hooks/publish-done", include_in_schema=False, dependencies=[FromMediaServer])
async def on_publish_done(request: Request, uow: Uow) -> Response:
    """nginx reports a publish ended (nginx ignores the answer; the secret still gates it)."""
    key, addr = await _hook_form(request)
    await hooks.publish_done(uow=uow, settings=settings_of(request), key=key, client_addr=addr)
    await uow.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/media/status")
async def media_status(request: Request) -> MediaStatus:
    """Whether video works here, so pages can say "video unavailable" instead of spinning."""
    settings = settings_of(request)
    reason = media.unavailable_reason(settings)
    if reason is None and not await media.port_open_async(settings.rtmp_port):
        reason = "The media server is not running."
    return MediaStatus(
        available=reason is None,
        reason=reason,
        rtmp_url=media.rtmp_url(settings),
        hls_base_url=media.hls_base_url(settings),
    )


@router.post("/shows/{show_id}/stream-key/rotate")
async def rotate_stream_key(
    show_id: IdPath, request: Request, user: CurrentUser, uow: Uow
) -> ShowIngest:
    """Issue a new stream key (host only, not while live); the old key is refused from now."""
    settings = settings_of(request)
    key = await hooks.rotate_stream_key(
        session=uow.session, settings=settings, host=user, show_id=show_id
    )
    await uow.commit()
    return ShowIngest(rtmp_url=media.rtmp_url(settings), stream_key=key)


@router.get("/shows/{show_id}/stream-health")
async def stream_health(show_id: IdPath, user: CurrentUser, uow: Uow) -> StreamHealth:
    """The host's view of the encoder: sessions, disconnects and the latest bitrate."""
    show = await shows.get_for_host(session=uow.session, host=user, show_id=show_id)
    rows = await hooks.list_sessions(session=uow.session, show_id=show.id)
    current = next((r for r in reversed(rows) if r.ended_at is None), None)
    return StreamHealth(
        status=show.status,
        publishing=current is not None,
        disconnects=max(0, len(rows) - 1),
        bitrate_kbps=current.bitrate_kbps if current else None,
        sessions=[StreamSessionPublic.model_validate(r, from_attributes=True) for r in rows],
    )


@router.get("/shows/{show_id}/ingest")
async def show_ingest(show_id: IdPath, request: Request, user: CurrentUser, uow: Uow) -> ShowIngest:
    """The RTMP URL and stream key for OBS; host only. The key is issued on the first call."""
    settings = request.app.state.settings
    key = await hooks.ingest_key(uow=uow, settings=settings, host=user, show_id=show_id)
    return ShowIngest(rtmp_url=media.rtmp_url(settings), stream_key=key)
