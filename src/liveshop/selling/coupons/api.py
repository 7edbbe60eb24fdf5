"""The coupon API: create, list, claim."""

from __future__ import annotations

from fastapi import APIRouter, status

from liveshop.accounts.deps import CurrentUser
from liveshop.deps import IdPath, Uow
from liveshop.selling.coupons import service as coupons
from liveshop.selling.coupons.models import Coupon, CouponClaim
from liveshop.selling.coupons.schemas import CouponClaimPublic, CouponCreate, CouponPublic
from liveshop.selling.promotions import CURRENCIES, CodePath

router = APIRouter(tags=["selling"])


def _coupon_public(coupon: Coupon) -> CouponPublic:
    currency = CURRENCIES[coupon.market_code]
    return CouponPublic(
        id=coupon.id,
        show_id=coupon.show_id,
        shop_id=coupon.shop_id,
        code=coupon.code,
        kind=coupon.kind,
        value=coupon.value,
        market=coupon.market_code,
        currency=currency,
        min_spend=coupon.min_spend,
        quota=coupon.quota,
        claimed=coupon.claimed,
        remaining=coupon.quota - coupon.claimed,
        per_buyer=coupon.per_buyer,
        unlock=coupon.unlock,
        unlock_minutes=coupon.unlock_minutes,
        stackable=coupon.stackable,
        funded_by=coupon.funded_by,
    )


@router.post("/shows/{show_id}/coupons", status_code=status.HTTP_201_CREATED)
async def create_coupon(
    show_id: IdPath, data: CouponCreate, user: CurrentUser, uow: Uow
) -> CouponPublic:
    """Admins create platform-funded coupons; the host or a seller creates seller-funded ones."""
    coupon = await coupons.create(session=uow.session, actor=user, show_id=show_id, data=data)
    await uow.commit()
    return _coupon_public(coupon)


@router.get("/shows/{show_id}/coupons")
async def list_coupons(show_id: IdPath, uow: Uow) -> list[CouponPublic]:
    return [_coupon_public(c) for c in await coupons.list_(session=uow.session, show_id=show_id)]


@router.post("/shows/{show_id}/coupons/{code}/claim", status_code=status.HTTP_201_CREATED)
async def claim_coupon(
    show_id: IdPath, code: CodePath, user: CurrentUser, uow: Uow
) -> CouponClaimPublic:
    """Claim while the show is live; spend it by passing the code to checkout or buy-now."""
    row: CouponClaim = await coupons.claim(
        session=uow.session, user=user, show_id=show_id, code=code
    )
    coupon = await coupons.get_by_code(session=uow.session, show_id=show_id, code=code)
    used = await coupons.claims_of(session=uow.session, coupon_id=coupon.id, user_id=user.id)
    out = CouponClaimPublic(
        id=row.id,
        coupon=_coupon_public(coupon),
        claims_used=used,
        order_id=row.order_id,
        created_at=row.created_at,
    )
    await uow.commit()
    return out
