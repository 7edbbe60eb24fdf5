from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from liveshop.accounts import service
from liveshop.accounts.models import Role
from liveshop.accounts.schemas import (
    AdminUserUpdate,
    FollowCreate,
    FollowPublic,
    LoginRequest,
    NotificationPublic,
    TokenCreate,
    TokenPublic,
    UserCreate,
    UserPrivate,
    UserPublic,
    UserUpdate,
)
from liveshop.deps import (
    SESSION_COOKIE,
    Caller,
    CurrentUser,
    IdPath,
    PageDep,
    Paginated,
    Uow,
    current_caller,
    paginated,
)

router = APIRouter(tags=["accounts"])


def private(user: object) -> UserPrivate:
    out = UserPrivate.model_validate(user)
    out.banned = getattr(user, "banned_at", None) is not None
    return out


@router.post("/auth/signup", status_code=status.HTTP_201_CREATED)
async def signup(data: UserCreate, uow: Uow, response: Response) -> TokenPublic:
    """Create an account and return a bearer token (and set the web session cookie)."""
    user = await service.create(session=uow.session, data=data)
    token = await service.create_token(session=uow.session, user=user, kind="web", name="signup")
    await uow.commit()
    _set_cookie(response, token)
    return TokenPublic(token=token, user=private(user))


@router.post("/auth/login")
async def login(data: LoginRequest, uow: Uow, response: Response) -> TokenPublic:
    user = await service.authenticate(session=uow.session, email=data.email, password=data.password)
    token = await service.create_token(session=uow.session, user=user, kind="web", name="login")
    await uow.commit()
    _set_cookie(response, token)
    return TokenPublic(token=token, user=private(user))


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(
    caller: Annotated[Caller, Depends(current_caller)], uow: Uow, response: Response
) -> None:
    await service.revoke_token(session=uow.session, token=caller.token)
    await uow.commit()
    response.delete_cookie(SESSION_COOKIE, path="/")


@router.post("/auth/tokens", status_code=status.HTTP_201_CREATED)
async def create_api_token(data: TokenCreate, user: CurrentUser, uow: Uow) -> TokenPublic:
    """Mint a long-lived API token for integrations."""
    token = await service.create_token(session=uow.session, user=user, kind="api", name=data.name)
    await uow.commit()
    return TokenPublic(token=token, user=private(user))


def _set_cookie(response: Response, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="lax", max_age=30 * 86400, path="/"
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
    items = [NotificationPublic.model_validate(r) for r in rows]
    return Paginated[NotificationPublic](**paginated(items, total, page))


@router.post("/me/notifications/read")
async def read_notifications(user: CurrentUser, uow: Uow) -> dict[str, int]:
    count = await service.mark_read(session=uow.session, user=user, ids=None)
    await uow.commit()
    return {"marked": count}
