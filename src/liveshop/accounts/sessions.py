"""Signing in and out: login, sign-up, password change and reset, API tokens.

Every flow that runs argon2 is rate-limited first, per address (at the edge, accounts/edge.py,
before routing) and per account (here); the counters are shared across processes through Redis
when it is configured. Then it holds a hashing slot (security.admission) for its lookup and
hash, so a flood is answered 429 at once instead of queueing on the CPU.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop import uow as unit_of_work
from liveshop.accounts import service
from liveshop.accounts.models import AuthToken, User
from liveshop.accounts.schemas import PasswordChange, ResetConfirm, UserCreate
from liveshop.accounts.security import (
    HasherBusy,
    admission,
    hash_password_async,
    needs_rehash,
    token_digest,
    verify_password_async,
)
from liveshop.db import utcnow
from liveshop.errors import Problem, not_found
from liveshop.i18n import _
from liveshop.mail import Mail, Mailer
from liveshop.metrics import LOGIN_REFUSALS
from liveshop.ratelimit import Limiter, Rule, too_many
from liveshop.settings import Settings


@dataclass(frozen=True)
class Guard:
    """What a flow needs to refuse abuse: the shared limiter, the settings, the caller's IP."""

    limiter: Limiter
    settings: Settings
    ip: str


def _busy() -> Problem:
    return too_many(1, "Too many sign-ins are in progress; try again in a moment.")


async def login(*, session: AsyncSession, guard: Guard, email: str, password: str) -> User:
    email = email.lower()
    s = guard.settings
    # Per address the edge (accounts/edge.py) counted this attempt already; here per account.
    wait = await guard.limiter.hit([Rule("login:acct", s.rate_login_account, email)])
    if wait is not None:
        LOGIN_REFUSALS.labels("rate_limited").inc()
        raise too_many(wait, "Too many login attempts; try again later.")
    try:
        with admission():
            user = await service.get_by_email(session=session, email=email)
            stored = user.password_hash if user else None
            if not await verify_password_async(stored, password) or user is None:
                LOGIN_REFUSALS.labels("invalid_credentials").inc()
                raise Problem(401, "invalid_credentials", "Email or password is wrong.")
            if user.banned_at is not None:
                LOGIN_REFUSALS.labels("banned").inc()
                raise Problem(403, "account_banned", "This account is banned.")
            if needs_rehash(user.password_hash):
                # Parameters were raised since this hash was made: upgrade it while we hold
                # the password.
                user.password_hash = await hash_password_async(password)
                await session.flush()
    except HasherBusy:
        LOGIN_REFUSALS.labels("busy").inc()
        raise _busy() from None
    return user


async def signup(*, session: AsyncSession, guard: Guard, mailer: Mailer, data: UserCreate) -> None:
    """Create the account, or tell the owner of an address already in use; same answer both."""
    email = data.email.lower()
    s = guard.settings
    await guard.limiter.check([Rule("signup:acct", s.rate_signup_account, email)])
    try:
        with admission():
            # Hashed either way, so the answer takes as long for a taken address as a new one.
            password_hash = await hash_password_async(data.password)
    except HasherBusy:
        raise _busy() from None
    taken = Mail(
        email,
        _("Someone tried to sign up with your address"),
        _(
            "Somebody (maybe you) tried to create a Liveshop account with this address, which "
            "already has one. To sign in, go to {site}/login. Forgot your password? Reset it "
            "at {site}/reset-password. If it was not you, you can ignore this e-mail.",
            site=s.base_url,
        ),
    )
    if await service.get_by_email(session=session, email=email) is not None:
        unit_of_work.of(session).on_commit(_later(mailer, taken))
        return
    try:
        user = await service.create(session=session, data=data, password_hash=password_hash)
    except Problem:  # taken between our check and the insert
        unit_of_work.of(session).on_commit(_later(mailer, taken))
        return
    welcome = Mail(
        email,
        _("Welcome to Liveshop"),
        _(
            "Hello {name}, your account is ready: log in at {site}/login.",
            name=user.display_name,
            site=s.base_url,
        ),
    )
    unit_of_work.of(session).on_commit(_later(mailer, welcome))


def _later(mailer: Mailer, mail: Mail) -> Callable[[], Awaitable[None]]:
    """An after-commit hook: mail only about what was committed, and do not wait for SMTP."""

    async def _send() -> None:
        mailer.send_later(mail)

    return _send


async def change_password(
    *, session: AsyncSession, guard: Guard, user: User, current_token: str, data: PasswordChange
) -> None:
    """Needs the current password; every other session of the user ends."""
    s = guard.settings
    wait = await guard.limiter.hit(
        [
            Rule("login:ip", s.rate_login_ip, guard.ip),
            Rule("login:acct", s.rate_login_account, user.email),
        ]
    )
    if wait is not None:
        raise too_many(wait)
    try:
        with admission():
            if not await verify_password_async(user.password_hash, data.current_password):
                raise Problem(403, "wrong_password", "The current password is wrong.")
            user.password_hash = await hash_password_async(data.new_password)
    except HasherBusy:
        raise _busy() from None
    await _end_sessions(
        session, user.id, keep=token_digest(current_token), reason="password_changed"
    )


async def request_reset(*, session: AsyncSession, guard: Guard, mailer: Mailer, email: str) -> None:
    """E-mail a single-use link that expires; nothing tells whether the address has an account."""
    email = email.lower()
    s = guard.settings
    await guard.limiter.check([Rule("reset:acct", s.rate_reset_account, email)])
    user = await service.get_by_email(session=session, email=email)
    if user is None or user.banned_at is not None:
        return
    await session.execute(
        delete(AuthToken).where(AuthToken.user_id == user.id, AuthToken.kind == "reset")
    )
    minutes = s.reset_token_minutes
    token, _row = await service.issue_token(
        session=session,
        user=user,
        kind="reset",
        name="password reset",
        lifetime=timedelta(minutes=minutes),
    )
    mail = Mail(
        email,
        _("Reset your Liveshop password"),
        _(
            "To choose a new password, open {site}/reset-password?token={token} within "
            "{minutes} minutes. If you did not ask for this, ignore this e-mail; your password "
            "stays as it is.",
            site=s.base_url,
            token=token,
            minutes=f"{minutes:g}",
        ),
    )
    unit_of_work.of(session).on_commit(_later(mailer, mail))


async def confirm_reset(*, session: AsyncSession, guard: Guard, data: ResetConfirm) -> User:
    """Set the new password from a reset link; the link and every web session end."""
    stmt = (
        select(User, AuthToken)
        .join(AuthToken, AuthToken.user_id == User.id)
        .where(AuthToken.token_hash == token_digest(data.token), AuthToken.kind == "reset")
    )
    row = (await session.execute(stmt)).first()
    if row is None or row[1].expires_at is None or row[1].expires_at < utcnow():
        raise Problem(400, "invalid_reset_token", "This reset link is unknown, used or expired.")
    user = row[0]
    try:
        with admission():
            user.password_hash = await hash_password_async(data.password)
    except HasherBusy:
        raise _busy() from None
    await session.execute(
        delete(AuthToken).where(AuthToken.user_id == user.id, AuthToken.kind == "reset")
    )
    await _end_sessions(session, user.id, keep=None, reason="password_reset")
    return user


async def _end_sessions(
    session: AsyncSession, user_id: int, *, keep: str | None, reason: str
) -> None:
    """Delete the user's web sessions (API tokens are separate credentials) and close sockets."""
    stmt = delete(AuthToken).where(AuthToken.user_id == user_id, AuthToken.kind == "web")
    if keep is not None:
        stmt = stmt.where(AuthToken.token_hash != keep)
    ended = list((await session.execute(stmt.returning(AuthToken.token_hash))).scalars())
    if ended:
        service.kick_on_commit(session, user_id, ended, reason)


async def create_api_token(
    *, session: AsyncSession, settings: Settings, user: User, name: str, days: int | None
) -> tuple[str, AuthToken]:
    if days is not None and days > settings.api_token_max_days:
        raise Problem(
            422,
            "token_lifetime_too_long",
            "API tokens live at most {api_token_max_days} days.",
            values={"api_token_max_days": settings.api_token_max_days},
        )
    lifetime = timedelta(days=days or settings.api_token_max_days)
    return await service.issue_token(
        session=session, user=user, kind="api", name=name, lifetime=lifetime
    )


async def list_api_tokens(*, session: AsyncSession, user: User) -> list[AuthToken]:
    stmt = (
        select(AuthToken)
        .where(AuthToken.user_id == user.id, AuthToken.kind == "api")
        .order_by(AuthToken.id)
    )
    return list((await session.execute(stmt)).scalars())


async def revoke_api_token(*, session: AsyncSession, user: User, token_id: int) -> None:
    """Only the owner's own API tokens; anyone else's answers 404, as if it did not exist."""
    row = await session.get(AuthToken, token_id)
    if row is None or row.user_id != user.id or row.kind != "api":
        raise not_found("token", token_id)
    await session.delete(row)
    await session.flush()
    service.kick_on_commit(session, user.id, [row.token_hash], "token_revoked")
