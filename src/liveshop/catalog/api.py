from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from liveshop.accounts.deps import CurrentUser, OptionalUser
from liveshop.catalog import service
from liveshop.catalog.schemas import (
    ProductCreate,
    ProductPublic,
    ProductStatusIn,
    ProductUpdate,
    ShopCreate,
    ShopPublic,
    ShopUpdate,
    ShopVerify,
    VariantIn,
    VariantUpdate,
    product_public,
)
from liveshop.deps import IdPath, PageDep, Paginated, Uow, paginated

router = APIRouter(tags=["catalog"])
MarketQuery = Annotated[str | None, Query(pattern=r"^(UK|DE|FR|IT|ES|US|ID)$")]
PriceQuery = Annotated[int | None, Query(ge=0, le=10**12)]


@router.post("/shops", status_code=status.HTTP_201_CREATED)
async def create_shop(data: ShopCreate, user: CurrentUser, uow: Uow) -> ShopPublic:
    """Open a shop; the caller becomes its owner and a seller."""
    shop = await service.create_shop(session=uow.session, owner=user, data=data)
    await uow.commit()
    return ShopPublic.model_validate(shop)


@router.get("/shops")
async def list_shops(uow: Uow, page: PageDep) -> Paginated[ShopPublic]:
    rows, total = await service.list_shops(
        session=uow.session, limit=page.limit, offset=page.offset
    )
    return Paginated[ShopPublic](
        **paginated([ShopPublic.model_validate(s) for s in rows], total, page)
    )


@router.get("/me/shops")
async def my_shops(user: CurrentUser, uow: Uow) -> list[ShopPublic]:
    ids = await service.shop_ids_of(session=uow.session, user=user)
    return [
        ShopPublic.model_validate(await service.get_shop(session=uow.session, shop_id=i))
        for i in ids
    ]


@router.get("/shops/{shop_id}")
async def get_shop(shop_id: IdPath, uow: Uow) -> ShopPublic:
    return ShopPublic.model_validate(await service.get_shop(session=uow.session, shop_id=shop_id))


@router.patch("/shops/{shop_id}")
async def update_shop(shop_id: IdPath, data: ShopUpdate, user: CurrentUser, uow: Uow) -> ShopPublic:
    shop = await service.update_shop(session=uow.session, actor=user, shop_id=shop_id, data=data)
    await uow.commit()
    return ShopPublic.model_validate(shop)


@router.patch("/admin/shops/{shop_id}")
async def verify_shop(shop_id: IdPath, data: ShopVerify, user: CurrentUser, uow: Uow) -> ShopPublic:
    shop = await service.verify_shop(
        session=uow.session, actor=user, shop_id=shop_id, verification=data.verification
    )
    await uow.commit()
    return ShopPublic.model_validate(shop)


@router.post("/shops/{shop_id}/products", status_code=status.HTTP_201_CREATED)
async def create_product(
    shop_id: IdPath, data: ProductCreate, user: CurrentUser, uow: Uow
) -> ProductPublic:
    product = await service.create_product(
        session=uow.session, actor=user, shop_id=shop_id, data=data
    )
    await uow.commit()
    return product_public(product)


@router.get("/shops/{shop_id}/products/manage")
async def manage_products(
    shop_id: IdPath,
    user: CurrentUser,
    uow: Uow,
    page: PageDep,
    status_: Annotated[ProductStatusIn | None, Query(alias="status")] = None,
) -> Paginated[ProductPublic]:
    """The seller's view: every status, only for the shop's own sellers."""
    await service.check_member(session=uow.session, user=user, shop_id=shop_id)
    rows, total = await service.list_products(
        session=uow.session,
        limit=page.limit,
        offset=page.offset,
        shop_id=shop_id,
        status=status_,
        seller_view=True,
    )
    return Paginated[ProductPublic](**paginated([product_public(p) for p in rows], total, page))


@router.get("/products")
async def list_products(
    uow: Uow,
    page: PageDep,
    q: Annotated[str | None, Query(max_length=100)] = None,
    shop_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    market: MarketQuery = None,
    min_price: PriceQuery = None,
    max_price: PriceQuery = None,
) -> Paginated[ProductPublic]:
    """Active products, newest first; filter by text (then ranked by relevance, typos
    forgiven), shop, market and price range."""
    rows, total = await service.list_products(
        session=uow.session,
        limit=page.limit,
        offset=page.offset,
        q=q,
        shop_id=shop_id,
        market=market,
        min_price=min_price,
        max_price=max_price,
    )
    return Paginated[ProductPublic](**paginated([product_public(p) for p in rows], total, page))


@router.get("/products/{product_id}")
async def get_product(product_id: IdPath, uow: Uow, user: OptionalUser) -> ProductPublic:
    return product_public(
        await service.get_product(session=uow.session, product_id=product_id, viewer=user)
    )


@router.patch("/products/{product_id}")
async def update_product(
    product_id: IdPath, data: ProductUpdate, user: CurrentUser, uow: Uow
) -> ProductPublic:
    product = await service.update_product(
        session=uow.session, actor=user, product_id=product_id, data=data
    )
    await uow.commit()
    return product_public(product)


@router.delete("/products/{product_id}")
async def archive_product(product_id: IdPath, user: CurrentUser, uow: Uow) -> ProductPublic:
    """Archive rather than delete: past orders keep pointing at the product."""
    product = await service.update_product(
        session=uow.session,
        actor=user,
        product_id=product_id,
        data=ProductUpdate(status="archived"),
    )
    await uow.commit()
    return product_public(product)


@router.post("/products/{product_id}/variants", status_code=status.HTTP_201_CREATED)
async def add_variant(
    product_id: IdPath, data: VariantIn, user: CurrentUser, uow: Uow
) -> ProductPublic:
    product = await service.add_variant(
        session=uow.session, actor=user, product_id=product_id, data=data
    )
    await uow.commit()
    return product_public(product)


@router.patch("/variants/{variant_id}")
async def update_variant(
    variant_id: IdPath, data: VariantUpdate, user: CurrentUser, uow: Uow
) -> ProductPublic:
    product = await service.update_variant(
        session=uow.session, actor=user, variant_id=variant_id, data=data
    )
    await uow.commit()
    return product_public(product)
