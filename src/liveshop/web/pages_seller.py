"""Seller center pages: shop, products, CSV upload, refunds and returns, allowed creators."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
