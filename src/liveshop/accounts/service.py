"""Accounts: sign-up, login, tokens, follows, notifications, admin changes."""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import timedelta

from sqlalchemy import String, cast, delete, func, or_, select
from sqlalchemy import update as sql_update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from liveshop import uow as unit_of_work
from liveshop.accounts.models import AuthToken, Follow, Notification, Role, User
from liveshop.accounts.schemas import (
    AdminUserUpdate,
    FollowCreate,
    NotificationEvent,
    NotificationPublic,
    UserCreate,
    UserUpdate,
)
from liveshop.accounts.security import hash_password, new_token, token_digest
from liveshop.db import utcnow
from liveshop.errors import Problem, forbidden, not_found
from liveshop.uow import UnitOfWork

WEB_SESSION_DAYS = 30
SIGN_IN_KINDS = ("web", "api")  # a "reset" token proves an inbox, it does not sign anyone in
# Every process's room hub listens here and closes the named user's sockets (live/room.py).
KICK_CHANNEL = "accounts:kick"


def user_channel(user_id: int) -> str:
    return f"user:{user_id}"


def kick_on_commit(
    session: AsyncSession, user_id: int, token_hashes: list[str] | None, reason: str
) -> None:
    """After commit, close the user's open sockets: those of these tokens, or all when None."""
    unit_of_work.of(session).send_event_on_commit(
        KICK_CHANNEL, {"user_id": user_id, "tokens": token_hashes, "reason": reason}
    )


async def get(*, session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise not_found("user", user_id)
    return user


async def get_by_email(*, session: AsyncSession, email: str) -> User | None:
    stmt = select(User).where(User.email == email.lower())
    return (await session.execute(stmt)).scalar_one_or_none()


async def _unique_handle(session: AsyncSession, base: str) -> str:
    stem = re.sub(r"[^a-z0-9]+", "", base.lower())[:24] or "user"
    handle = stem
    while (await session.execute(select(User.id).where(User.handle == handle))).first():
        handle = f"{stem}{secrets.randbelow(10_000)}"
    return handle


async def create(
    *,
    session: AsyncSession,
    data: UserCreate,
    extra_roles: Iterable[Role] = (),
    password_hash: str | None = None,
) -> User:
    """A new account; `password_hash` when the caller already hashed off the event loop."""
    email = data.email.lower()
    if await get_by_email(session=session, email=email):
        raise Problem(409, "email_taken", "An account with this email already exists.")
    roles = sorted({"buyer", *data.roles, *(r.value for r in extra_roles)})
    user = User(
        email=email,
        handle=await _unique_handle(session, data.display_name or email.split("@")[0]),
        display_name=data.display_name,
        password_hash=password_hash or hash_password(data.password),
        roles=roles,
        market_code=data.market,
        city=data.city,
        timezone=data.timezone,
    )
    session.add(user)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise Problem(409, "email_taken", "An account with this email already exists.") from exc
    return user


async def create_token(
    *,
    session: AsyncSession,
    user: User,
    kind: str,
    name: str | None,
    lifetime: timedelta | None = None,
) -> str:
    token, _row = await issue_token(
        session=session, user=user, kind=kind, name=name, lifetime=lifetime
    )
    return token


async def issue_token(
    *,
    session: AsyncSession,
    user: User,
    kind: str,
    name: str | None,
    lifetime: timedelta | None = None,
) -> tuple[str, AuthToken]:
    """A new secret and its stored row (which keeps only the secret's SHA-256)."""
    token = new_token()
    if lifetime is None and kind == "web":
        lifetime = timedelta(days=WEB_SESSION_DAYS)
    row = AuthToken(
        user_id=user.id,
        token_hash=token_digest(token),
        kind=kind,
        name=name,
        expires_at=utcnow() + lifetime if lifetime is not None else None,
    )
    session.add(row)
    await session.flush()
    return token, row


async def get_by_token(*, session: AsyncSession, token: str) -> tuple[User, AuthToken] | None:
    stmt = (
        select(User, AuthToken)
        .join(AuthToken, AuthToken.user_id == User.id)
        .where(AuthToken.token_hash == token_digest(token), AuthToken.kind.in_(SIGN_IN_KINDS))
    )
    row = (await session.execute(stmt)).first()
    if row is None:
        return None
    user, auth = row
    if auth.expires_at is not None and auth.expires_at < utcnow():
        return None
    return user, auth


async def revoke_token(*, session: AsyncSession, token: str) -> None:
    """End a session or token; its open sockets close once this commits."""
    digest = token_digest(token)
    stmt = delete(AuthToken).where(AuthToken.token_hash == digest).returning(AuthToken.user_id)
    for user_id in (await session.execute(stmt)).scalars().all():
        kick_on_commit(session, user_id, [digest], "logged_out")


async def update(*, session: AsyncSession, user: User, data: UserUpdate) -> User:
    if data.display_name is not None:
        user.display_name = data.display_name
    if data.market is not None:
        user.market_code = data.market
    if "city" in data.model_fields_set:
        user.city = data.city
    if "timezone" in data.model_fields_set:
        user.timezone = data.timezone
    await session.flush()
    return user


async def admin_update(
    *, session: AsyncSession, actor: User, user_id: int, data: AdminUserUpdate
) -> User:
    if not actor.has_role(Role.admin):
        raise forbidden("Only admins can change roles or bans.")
    user = await get(session=session, user_id=user_id)
    if data.roles is not None:
        if user.id == actor.id and "admin" not in data.roles:
            raise Problem(409, "cannot_demote_self", "Admins cannot remove their own admin role.")
        user.roles = sorted({"buyer", *data.roles})
    if data.banned is not None:
        if user.id == actor.id:
            raise Problem(409, "cannot_ban_self", "Admins cannot ban themselves.")
        user.banned_at = utcnow() if data.banned else None
        if data.banned:
            await session.execute(delete(AuthToken).where(AuthToken.user_id == user.id))
            kick_on_commit(session, user.id, None, "banned")
    await session.flush()
    return user


async def list_(
    *,
    session: AsyncSession,
    actor: User,
    limit: int,
    offset: int,
    q: str | None = None,
    role: Role | None = None,
) -> tuple[list[User], int]:
    """Users for admins, optionally those whose email, name or handle contains q, or with a role."""
    if not actor.has_role(Role.admin):
        raise forbidden("Only admins can list users.")
    cond: list[ColumnElement[bool]] = []
    if q and q.strip():
        text = q.strip()
        # icontains lowers both sides and escapes % and _ so they match literally (any dialect).
        cond.append(
            or_(
                User.email.icontains(text, autoescape=True),
                User.display_name.icontains(text, autoescape=True),
                User.handle.icontains(text, autoescape=True),
            )
        )
    if role is not None:
        # roles is a JSON list of enum values; its text holds the quoted name on every dialect.
        cond.append(cast(User.roles, String).contains(f'"{role.value}"'))
    total = (
        await session.execute(select(func.count()).select_from(User).where(*cond))
    ).scalar_one()
    stmt = select(User).where(*cond).order_by(User.id).limit(limit).offset(offset)
    return list((await session.execute(stmt)).scalars()), total


# --- follows ---------------------------------------------------------------------------


# Kinds of follow target that domains above accounts own (catalog's shops), each with a check
# that raises not_found; registered at start-up (liveshop.wiring), since accounts import neither.
FollowTargetCheck = Callable[[AsyncSession, int], Awaitable[None]]
follow_targets: dict[str, FollowTargetCheck] = {}


async def _check_follow_target(session: AsyncSession, data: FollowCreate) -> None:
    if data.target_kind != "creator":
        check = follow_targets.get(data.target_kind)
        if check is None:
            raise not_found(data.target_kind, data.target_id)
        await check(session, data.target_id)
        return
    creator = await session.get(User, data.target_id)
    if creator is None or not creator.has_role(Role.creator):
        raise not_found("creator", data.target_id)


async def follow(*, session: AsyncSession, user: User, data: FollowCreate) -> Follow:
    await _check_follow_target(session, data)
    if data.target_kind == "creator" and data.target_id == user.id:
        raise Problem(409, "cannot_follow_self", "You cannot follow yourself.")
    stmt = select(Follow).where(
        Follow.user_id == user.id,
        Follow.target_kind == data.target_kind,
        Follow.target_id == data.target_id,
    )
    existing = (await session.execute(stmt)).scalar_one_or_none()
    if existing:
        return existing
    row = Follow(user_id=user.id, target_kind=data.target_kind, target_id=data.target_id)
    session.add(row)
    await session.flush()
    return row


async def unfollow(*, session: AsyncSession, user: User, target_kind: str, target_id: int) -> None:
    await session.execute(
        delete(Follow).where(
            Follow.user_id == user.id,
            Follow.target_kind == target_kind,
            Follow.target_id == target_id,
        )
    )


async def list_follows(*, session: AsyncSession, user: User) -> list[Follow]:
    rows = await session.execute(
        select(Follow).where(Follow.user_id == user.id).order_by(Follow.id)
    )
    return list(rows.scalars())


async def follower_ids(*, session: AsyncSession, target_kind: str, target_id: int) -> list[int]:
    rows = await session.execute(
        select(Follow.user_id).where(
            Follow.target_kind == target_kind, Follow.target_id == target_id
        )
    )
    return list(rows.scalars())


# --- notifications ---------------------------------------------------------------------


async def notify(
    *,
    uow: UnitOfWork,
    user_ids: Iterable[int],
    kind: str,
    title: str,
    body: str = "",
    url: str | None = None,
    params: Mapping[str, str] | None = None,
) -> list[Notification]:
    """Store an inbox entry per user and push it to their open pages after commit.

    `title` and `body` are English msgids (mark them `N_`) with `{name}` placeholders filled
    from `params`: each reader sees them in their own language, not the sender's."""
    values = dict(params or {})
    rows = [
        Notification(user_id=uid, kind=kind, title=title, body=body, url=url, params=values)
        for uid in dict.fromkeys(user_ids)
    ]
    uow.session.add_all(rows)
    await uow.session.flush()
    for row in rows:
        event = NotificationEvent(notification=NotificationPublic.of(row))
        uow.send_event_on_commit(user_channel(row.user_id), event)
    return rows


async def list_notifications(
    *, session: AsyncSession, user: User, unread_only: bool, limit: int, offset: int
) -> tuple[list[Notification], int]:
    cond = [Notification.user_id == user.id]
    if unread_only:
        cond.append(Notification.read_at.is_(None))
    total = (await session.execute(select(func.count()).where(*cond))).scalar_one()
    rows = await session.execute(
        select(Notification)
        .where(*cond)
        .order_by(Notification.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows.scalars()), total


async def mark_read(*, session: AsyncSession, user: User, ids: list[int] | None) -> int:
    stmt = sql_update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(ids))
    result = await session.execute(stmt.values(read_at=utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)
