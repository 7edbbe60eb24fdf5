"""HTTP routes for the buyer's address book."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, status
from pydantic import BaseModel

from liveshop.accounts.deps import CurrentUser
from liveshop.deps import IdPath, Uow
from liveshop.inputs import Input
from liveshop.orders import address_book
from liveshop.orders.models import SavedAddress
from liveshop.orders.schemas import Address

router = APIRouter(tags=["orders"])


class SavedAddressIn(Input):
    address: Address
    default: bool = False


class SavedAddressPublic(BaseModel):
    id: int
    address: Address
    is_default: bool
    created_at: datetime

    @classmethod
    def of(cls, entry: SavedAddress) -> SavedAddressPublic:
        return cls(
            id=entry.id,
            # As saved: an entry from before the country rules is shown, not refused.
            address=Address.model_construct(**entry.address),
            is_default=entry.is_default,
            created_at=entry.created_at,
        )


@router.get("/me/addresses")
async def list_addresses(user: CurrentUser, uow: Uow) -> list[SavedAddressPublic]:
    """Your saved addresses, defaults first (one default per country)."""
    entries = await address_book.list_(session=uow.session, user=user)
    return [SavedAddressPublic.of(e) for e in entries]


@router.post("/me/addresses", status_code=status.HTTP_201_CREATED)
async def save_address(data: SavedAddressIn, user: CurrentUser, uow: Uow) -> SavedAddressPublic:
    """Save an address (saving the same one again changes nothing but the default)."""
    entry = await address_book.save(
        session=uow.session, user=user, address=data.address, default=data.default
    )
    await uow.commit()
    return SavedAddressPublic.of(entry)


@router.delete("/me/addresses/{address_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_address(address_id: IdPath, user: CurrentUser, uow: Uow) -> None:
    await address_book.delete(session=uow.session, user=user, address_id=address_id)
    await uow.commit()
