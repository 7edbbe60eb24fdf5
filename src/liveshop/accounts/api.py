from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status

from liveshop.accounts import service, sessions
from liveshop.accounts.deps import SESSION_COOKIE, Caller, CurrentUser, current_caller
from liveshop.accounts.models import Role
from liveshop.accounts.schemas import (
    Accepted,
    AdminUserUpdate,
    FollowCreate,
    FollowPublic,
    LoginRequest,
    NotificationPublic,
    PasswordChange,
    ResetConfirm,
    ResetRequest,
    TokenCreate,
    TokenInfo,
    TokenPublic,
    UserCreate,
    UserPrivate,
    UserPublic,
    UserUpdate,
)
from liveshop.deps import IdPath, PageDep, Paginated, Uow, paginated, settings_of
from liveshop.mail import Mailer
from liveshop.ratelimit import client_ip, limiter_of

router = APIRouter(tags=["accounts"])


def private(user: object) -> UserPrivate:
    out = UserPrivate.model_validate(user)
    out.banned = getattr(user, "banned_at", None) is not None
    return out


async def guard(request: Request) -> sessions.Guard:
    # async: a plain def dependency costs a thread-pool round trip per request (a flood's 429s)
    return sessions.Guard(limiter_of(request), settings_of(request), client_ip(request))


async def mailer_of(request: Request) -> Mailer:
    mailer: Mailer = request.app.state.mailer
    return mailer


GuardDep = Annotated[sessions.Guard, Depends(guard)]
MailerDep = Annotated[Mailer, Depends(mailer_of)]
TOO_MANY: dict[int | str, dict[str, Any]] = {
    429: {"description": "Rate limited; see the Retry-After header"}
}


@router.post("/auth/signup", status_code=status.HTTP_202_ACCEPTED, responses=TOO_MANY)
async def signup(data: UserCreate, uow: Uow, g: GuardDep, mailer: MailerDep) -> Accepted:
    """Create an account, then log in. The answer is the same whether or not the address
    already had an account; its owner is told by e-mail."""
    await sessions.signup(session=uow.session, guard=g, mailer=mailer, data=data)
    await uow.commit()
    return Accepted(detail="Check your e-mail. A new account can log in now.")


@router.post("/auth/login", responses=TOO_MANY)
async def login(data: LoginRequest, uow: Uow, response: Response, g: GuardDep) -> TokenPublic:
    user = await sessions.login(
        session=uow.session, guard=g, email=data.email, password=data.password
    )
    token = await service.create_token(session=uow.session, user=user, kind="web", name="login")
    await uow.commit()
    _set_cookie(response, token, secure=g.settings.https)
    return TokenPublic(token=token, user=private(user))


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(
    caller: Annotated[Caller, Depends(current_caller)], uow: Uow, response: Response, g: GuardDep
) -> None:
    """End this session (or token); its open live-room sockets close."""
    await service.revoke_token(session=uow.session, token=caller.token)
    await uow.commit()
    response.delete_cookie(SESSION_COOKIE, path="/", secure=g.settings.https, httponly=True)


@router.post("/auth/tokens", status_code=status.HTTP_201_CREATED)
async def create_api_token(
    data: TokenCreate, user: CurrentUser, uow: Uow, g: GuardDep
) -> TokenPublic:
    """Mint an API token for integrations; it expires (at most `api_token_max_days`)."""
    token, row = await sessions.create_api_token(
        session=uow.session,
        settings=g.settings,
        user=user,
        name=data.name,
        days=data.expires_in_days,
    )
    await uow.commit()
    return TokenPublic(token=token, user=private(user), token_id=row.id, expires_at=row.expires_at)


@router.get("/auth/tokens")
async def list_api_tokens(user: CurrentUser, uow: Uow) -> list[TokenInfo]:
    """Your API tokens (never their secrets)."""
    rows = await sessions.list_api_tokens(session=uow.session, user=user)
    return [TokenInfo.model_validate(r) for r in rows]


@router.delete("/auth/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_api_token(token_id: IdPath, user: CurrentUser, uow: Uow) -> None:
    """Revoke one of your API tokens at once, closing the sockets it opened."""
    await sessions.revoke_api_token(session=uow.session, user=user, token_id=token_id)
    await uow.commit()


@router.post("/me/password", status_code=status.HTTP_204_NO_CONTENT, responses=TOO_MANY)
async def change_password(
    data: PasswordChange,
    caller: Annotated[Caller, Depends(current_caller)],
    uow: Uow,
    g: GuardDep,
) -> None:
    """Change your password (the current one is required); your other sessions end."""
    await sessions.change_password(
        session=uow.session, guard=g, user=caller.user, current_token=caller.token, data=data
    )
    await uow.commit()


@router.post("/auth/password-reset", status_code=status.HTTP_202_ACCEPTED, responses=TOO_MANY)
async def request_password_reset(
    data: ResetRequest, uow: Uow, g: GuardDep, mailer: MailerDep
) -> Accepted:
    """E-mail a reset link to the address, if it has an account (the answer does not say)."""
    await sessions.request_reset(session=uow.session, guard=g, mailer=mailer, email=data.email)
    await uow.commit()
    return Accepted(detail="If this address has an account, a reset link is on its way.")


@router.post(
    "/auth/password-reset/confirm", status_code=status.HTTP_204_NO_CONTENT, responses=TOO_MANY
)
async def confirm_password_reset(data: ResetConfirm, uow: Uow, g: GuardDep) -> None:
    """Set a new password with the link's token; every web session of the account ends."""
    await sessions.confirm_reset(session=uow.session, guard=g, data=data)
    await uow.commit()


def _set_cookie(response: Response, token: str, *, secure: bool) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=secure,
        max_age=service.WEB_SESSION_DAYS * 86400,
        path="/",
    )


@router.get("/me")
async def me(user: CurrentUser) -> UserPrivate:
    return private(user)


@router.patch("/me")
async def update_me(data: UserUpdate, user: CurrentUser, uow: Uow) -> UserPrivate:
    await service.update(session=uow.session, user=user, data=data)
    await uow.commit()
    return private(user)


@router.get("/users/{user_id}")
async def get_user(user_id: IdPath, uow: Uow) -> UserPublic:
    return UserPublic.model_validate(await service.get(session=uow.session, user_id=user_id))


@router.get("/admin/users")
async def admin_list_users(
    user: CurrentUser,
    uow: Uow,
    page: PageDep,
    q: Annotated[str | None, Query(max_length=100)] = None,
    role: Role | None = None,
) -> Paginated[UserPrivate]:
    """Users, by id; q finds text in the email, display name or handle, role narrows by role."""
    rows, total = await service.list_(
        session=uow.session,
        actor=user,
        limit=page.limit,
        offset=page.offset,
        q=q,
        role=role,
    )
    return Paginated[UserPrivate](**paginated([private(u) for u in rows], total, page))


@router.patch("/admin/users/{user_id}")
async def admin_update_user(
    user_id: IdPath, data: AdminUserUpdate, user: CurrentUser, uow: Uow
) -> UserPrivate:
    target = await service.admin_update(session=uow.session, actor=user, user_id=user_id, data=data)
    await uow.commit()
    return private(target)


@router.get("/me/follows")
async def my_follows(user: CurrentUser, uow: Uow) -> list[FollowPublic]:
    rows = await service.list_follows(session=uow.session, user=user)
    return [FollowPublic.model_validate(r) for r in rows]


@router.post("/me/follows", status_code=status.HTTP_201_CREATED)
async def follow(data: FollowCreate, user: CurrentUser, uow: Uow) -> FollowPublic:
    row = await service.follow(session=uow.session, user=user, data=data)
    await uow.commit()
    return FollowPublic.model_validate(row)


@router.delete("/me/follows/{target_kind}/{target_id}", status_code=status.HTTP_204_NO_CONTENT)
async def unfollow(target_kind: str, target_id: IdPath, user: CurrentUser, uow: Uow) -> None:
    await service.unfollow(
        session=uow.session, user=user, target_kind=target_kind, target_id=target_id
    )
    await uow.commit()


@router.get("/me/notifications")
async def notifications(
    user: CurrentUser, uow: Uow, page: PageDep, unread: Annotated[bool, Query()] = False
) -> Paginated[NotificationPublic]:
    rows, total = await service.list_notifications(
        session=uow.session, user=user, unread_only=unread, limit=page.limit, offset=page.offset
    )
    items = [NotificationPublic.of(r) for r in rows]
    return Paginated[NotificationPublic](**paginated(items, total, page))


@router.post("/me/notifications/read")
async def read_notifications(user: CurrentUser, uow: Uow) -> dict[str, int]:
    count = await service.mark_read(session=uow.session, user=user, ids=None)
    await uow.commit()
    return {"marked": count}
