"""Auctions, giveaways and LIVE coupons routes."""

from fastapi import APIRouter

router = APIRouter(tags=["selling"])
