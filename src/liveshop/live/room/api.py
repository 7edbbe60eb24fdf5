"""HTTP routes for the live room: pins, pinned message, moderators, sanctions, keyword lists."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from liveshop.accounts.deps import CurrentUser
from liveshop.accounts.schemas import UserPublic
from liveshop.deps import IdPath, Uow, settings_of
from liveshop.live.media import nginx as media
from liveshop.live.room import moderation
from liveshop.live.room import service as room_service
from liveshop.live.room.events import PinnedProduct, RoomState
from liveshop.live.room.moderation import BAN, MUTE
from liveshop.live.room.schemas import (
    KeywordIn,
    KeywordPublic,
    KeywordsIn,
    MuteIn,
    MutePublic,
    PinCreate,
    PinnedMessageIn,
    PinPublic,
    PlaybackPublic,
    SlowModeIn,
    UserRef,
)
from liveshop.live.shows import service as shows
from liveshop.live.shows.models import ShowStatus

router = APIRouter(tags=["room"])


@router.get("/shows/{show_id}/room")
async def room_state(show_id: IdPath, request: Request, uow: Uow) -> RoomState:
    """The room as stored (what a viewer's snapshot starts from, minus live counters)."""
    return await room_service.build_state(
        session=uow.session,
        show_id=show_id,
        settings=request.app.state.settings,
    )


@router.get("/shows/{show_id}/pins")
async def list_pins(show_id: IdPath, uow: Uow) -> list[PinnedProduct]:
    return await room_service.list_pins(session=uow.session, show_id=show_id)


@router.post("/shows/{show_id}/pins", status_code=status.HTTP_201_CREATED)
async def pin(show_id: IdPath, data: PinCreate, user: CurrentUser, uow: Uow) -> PinnedProduct:
    """Pin one of the show's products (three at most); host or co-host."""
    out = await room_service.pin(uow=uow, actor=user, show_id=show_id, product_id=data.product_id)
    await uow.commit()
    return out


@router.delete("/shows/{show_id}/pins/{product_id}", status_code=status.HTTP_204_NO_CONTENT)
async def unpin(show_id: IdPath, product_id: IdPath, user: CurrentUser, uow: Uow) -> None:
    await room_service.unpin(uow=uow, actor=user, show_id=show_id, product_id=product_id)
    await uow.commit()


@router.put("/shows/{show_id}/pinned-message", status_code=status.HTTP_204_NO_CONTENT)
async def set_pinned_message(
    show_id: IdPath, data: PinnedMessageIn, user: CurrentUser, uow: Uow
) -> None:
    await room_service.set_pinned_message(uow=uow, actor=user, show_id=show_id, text=data.text)
    await uow.commit()


@router.delete("/shows/{show_id}/pinned-message", status_code=status.HTTP_204_NO_CONTENT)
async def clear_pinned_message(show_id: IdPath, user: CurrentUser, uow: Uow) -> None:
    await room_service.set_pinned_message(uow=uow, actor=user, show_id=show_id, text=None)
    await uow.commit()


@router.put("/shows/{show_id}/slow-mode", status_code=status.HTTP_204_NO_CONTENT)
async def set_slow_mode(show_id: IdPath, data: SlowModeIn, user: CurrentUser, uow: Uow) -> None:
    """Per-user cooldown between chat messages; 0 turns it off."""
    await room_service.set_slow_mode(uow=uow, actor=user, show_id=show_id, seconds=data.seconds)
    await uow.commit()


@router.put("/shows/{show_id}/keywords")
async def set_keywords(show_id: IdPath, data: KeywordsIn, user: CurrentUser, uow: Uow) -> list[str]:
    """The host's blocked words for this room (the platform list applies too)."""
    out = await moderation.set_show_keywords(
        session=uow.session, actor=user, show_id=show_id, words=data.words
    )
    await uow.commit()
    return out


@router.get("/shows/{show_id}/moderators")
async def list_moderators(show_id: IdPath, user: CurrentUser, uow: Uow) -> list[UserPublic]:
    rows = await moderation.list_moderators(session=uow.session, actor=user, show_id=show_id)
    return [UserPublic.model_validate(u) for u in rows]


@router.post("/shows/{show_id}/moderators", status_code=status.HTTP_201_CREATED)
async def add_moderator(show_id: IdPath, data: UserRef, user: CurrentUser, uow: Uow) -> UserPublic:
    added = await moderation.add_moderator(
        session=uow.session, actor=user, show_id=show_id, user_id=data.user_id
    )
    await uow.commit()
    return UserPublic.model_validate(added)


@router.delete("/shows/{show_id}/moderators/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_moderator(show_id: IdPath, user_id: IdPath, user: CurrentUser, uow: Uow) -> None:
    await moderation.remove_moderator(
        session=uow.session, actor=user, show_id=show_id, user_id=user_id
    )
    await uow.commit()


@router.post("/shows/{show_id}/mutes", status_code=status.HTTP_201_CREATED)
async def mute(show_id: IdPath, data: MuteIn, user: CurrentUser, uow: Uow) -> MutePublic:
    until = await moderation.mute(
        uow=uow, actor=user, show_id=show_id, user_id=data.user_id, minutes=data.minutes
    )
    await uow.commit()
    return MutePublic(user_id=data.user_id, until=until)


@router.delete("/shows/{show_id}/mutes/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def unmute(show_id: IdPath, user_id: IdPath, user: CurrentUser, uow: Uow) -> None:
    await moderation.lift(
        session=uow.session, actor=user, show_id=show_id, user_id=user_id, kind=MUTE
    )
    await uow.commit()


@router.post("/shows/{show_id}/bans", status_code=status.HTTP_204_NO_CONTENT)
async def ban(show_id: IdPath, data: UserRef, user: CurrentUser, uow: Uow) -> None:
    """Ban from the room: disconnected now, refused on reconnect."""
    await moderation.ban(uow=uow, actor=user, show_id=show_id, user_id=data.user_id)
    await uow.commit()


@router.delete("/shows/{show_id}/bans/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def unban(show_id: IdPath, user_id: IdPath, user: CurrentUser, uow: Uow) -> None:
    await moderation.lift(
        session=uow.session, actor=user, show_id=show_id, user_id=user_id, kind=BAN
    )
    await uow.commit()


@router.delete("/shows/{show_id}/chat/{message_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_message(show_id: IdPath, message_id: IdPath, user: CurrentUser, uow: Uow) -> None:
    """Remove a chat message for every viewer."""
    await moderation.delete_message(uow=uow, actor=user, show_id=show_id, message_id=message_id)
    await uow.commit()


@router.get("/admin/keywords")
async def list_platform_keywords(user: CurrentUser, uow: Uow) -> list[KeywordPublic]:
    rows = await moderation.list_platform_keywords(session=uow.session, actor=user)
    return [KeywordPublic.model_validate(r) for r in rows]


@router.post("/admin/keywords", status_code=status.HTTP_201_CREATED)
async def add_platform_keyword(data: KeywordIn, user: CurrentUser, uow: Uow) -> KeywordPublic:
    row = await moderation.add_platform_keyword(session=uow.session, actor=user, word=data.word)
    await uow.commit()
    return KeywordPublic.model_validate(row)


@router.delete("/admin/keywords/{keyword_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_platform_keyword(keyword_id: IdPath, user: CurrentUser, uow: Uow) -> None:
    await moderation.delete_platform_keyword(session=uow.session, actor=user, keyword_id=keyword_id)
    await uow.commit()


@router.get("/shows/{show_id}/playback")
async def playback(show_id: IdPath, request: Request, uow: Uow) -> PlaybackPublic:
    """What a viewer plays: the live HLS stream or the replay, with product pin offsets."""
    settings = settings_of(request)
    show = await shows.get(session=uow.session, show_id=show_id)
    out = PlaybackPublic(
        status=show.status,
        pins=[
            PinPublic(**vars(p)) for p in await room_service.pins(session=uow.session, show=show)
        ],
    )
    if show.status == ShowStatus.live:
        out.hls_url = media.live_playlist_url(settings, show.id)
    elif show.status == ShowStatus.ended and show.replay_path:
        out.replay_url = f"{media.hls_base_url(settings)}/{show.replay_path}"
    return out
