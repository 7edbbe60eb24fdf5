"""Analytics over HTTP: the pages' beacon, and the reports (JSON, and CSV for every report)."""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal, NotRequired

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from typing_extensions import TypedDict

from liveshop.accounts.deps import CurrentUser
from liveshop.accounts.models import Role, User
from liveshop.analytics import reports, staffing
from liveshop.analytics.events import CLIENT_KINDS, RawRow
from liveshop.analytics.ingest import DROPPED, recorder
from liveshop.analytics.models import ShowInfo
from liveshop.analytics.schemas import Heatmap, RangeReport, ShowReport
from liveshop.catalog import service as catalog
from liveshop.deps import IdPath, Uow, settings_of
from liveshop.errors import Problem
from liveshop.inputs import MAX_ID
from liveshop.ratelimit import Rule, client_ip, limiter_of

router = APIRouter(prefix="/analytics", tags=["analytics"])

MAX_BATCH = 500
PAST_SECONDS = 24 * 3600  # a page that was offline longer: its events are too late to count
FUTURE_SECONDS = 300  # clocks run a little fast

Key = Annotated[str, Field(min_length=8, max_length=38, pattern=r"^[A-Za-z0-9_.:-]+$")]
Ref = Annotated[int, Field(ge=1, le=MAX_ID, strict=True)]


class BeaconEvent(TypedDict):
    """One page event. A TypedDict, not a model: a batch of 500 validates in about a
    millisecond, which is most of the beacon's cost."""

    id: Key
    kind: Annotated[str, Field(max_length=20)]
    at: Annotated[int, Field(strict=True, ge=0, le=2**53)]  # milliseconds since 1970 (UTC)
    show_id: NotRequired[Ref | None]
    shop_id: NotRequired[Ref | None]
    product_id: NotRequired[Ref | None]
    market: NotRequired[Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None]
    viewer: NotRequired[Annotated[str, Field(max_length=64, pattern=r"^[A-Za-z0-9_.:-]*$")] | None]
    value: NotRequired[Annotated[int, Field(strict=True, ge=0, le=1_000_000)]]


class Beacon(TypedDict):
    __pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[misc]

    events: Annotated[list[BeaconEvent], Field(max_length=MAX_BATCH)]


class BeaconAccepted(BaseModel):
    accepted: int
    dropped: int


_beacon = TypeAdapter(Beacon)


@router.post(
    "/events",
    status_code=202,
    responses={422: {"description": "Not a batch of events"}, 429: {"description": "Too many"}},
)
async def beacon(request: Request) -> BeaconAccepted:
    """Take a batch of page events (at most 500): impressions, clicks, carts, checkouts,
    follows, shares and support contacts.

    Sent with `navigator.sendBeacon` or `fetch(…, {keepalive: true})`, so any content type is
    read as JSON. Each event has a client-made `id` (8-38 characters) and its time `at` in
    milliseconds; sending a batch again counts nothing twice, so no Idempotency-Key is needed.
    Answers 202 at once: events are buffered, written within about a second. Events older
    than a day or a full buffer are dropped and counted (`dropped`)."""
    rate = settings_of(request).rate_analytics_beacon
    await limiter_of(request).check([Rule("analytics:beacon", rate, client_ip(request))])
    body = await request.body()
    try:
        batch = _beacon.validate_json(body)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err.get("loc", ()))
        raise Problem(
            422, "invalid_events", "{where}: {err}", values={"where": where, "err": err.get("msg")}
        ) from None
    now = time.time() * 1000
    rows: list[RawRow] = []
    late = 0
    lo, hi = now - PAST_SECONDS * 1000, now + FUTURE_SECONDS * 1000
    stamp = datetime.fromtimestamp
    for e in batch["events"]:
        if e["kind"] not in CLIENT_KINDS:
            raise Problem(
                422,
                "unknown_event_kind",
                "Pages may send {value}.",
                values={"value": ", ".join(sorted(CLIENT_KINDS))},
            )
        at = e["at"]
        if not lo <= at <= hi:
            late += 1
            continue
        rows.append(
            (
                "c" + e["id"],
                stamp(at / 1000, UTC),
                e["kind"],
                e.get("market"),
                e.get("show_id"),
                e.get("shop_id"),
                e.get("product_id"),
                e.get("viewer"),
                e.get("value", 0),
                0,
                None,
            )
        )
    if late:
        DROPPED.labels("late").inc(late)
    taken = recorder.add(rows)
    return BeaconAccepted(accepted=taken, dropped=late + len(rows) - taken)


# --- who may read what -------------------------------------------------------------------


async def _check_show(uow: Uow, user: User, show_id: int) -> ShowInfo:
    info = await reports.get_show_info(uow.session, show_id)
    if info is None:
        raise Problem(
            404, "show_not_found", "No show {show_id} exists.", values={"show_id": show_id}
        )
    if user.has_role(Role.admin) or info.creator_id == user.id:
        return info
    if info.shop_id is not None and await catalog.is_member(
        session=uow.session, user=user, shop_id=info.shop_id
    ):
        return info
    raise Problem(403, "not_your_show", "Only the show's host, its shop and admins see this.")


def _check_admin(user: User) -> None:
    if not user.has_role(Role.admin):
        raise Problem(403, "admin_only", "Market analytics are for operators.")


def _default_range(start: date | None, end: date | None) -> tuple[date, date]:
    end = end or datetime.now(UTC).date()
    return start or end - timedelta(days=27), end


def _csv(rows: list[list[object]], name: str) -> Response:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


Fmt = Annotated[Literal["json", "csv"], Query()]
# Reports answer JSON, or CSV with `format=csv`: both are documented, so clients (and
# schemathesis) know what a 200 may carry.
CSV_TOO: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}}
}
ICS_TOO: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "text/calendar": {"schema": {"type": "string"}},
        }
    }
}
StartQ = Annotated[date | None, Query()]
EndQ = Annotated[date | None, Query()]


# --- per show ----------------------------------------------------------------------------


@router.get(
    "/shows/{show_id}",
    responses={**CSV_TOO, 403: {"description": "Not yours"}, 404: {"description": "No such show"}},
)
async def show_report(
    show_id: IdPath, user: CurrentUser, uow: Uow, format: Fmt = "json"
) -> ShowReport:
    """A show's report: live while it runs (the studio polls it), final once it ended."""
    info = await _check_show(uow, user, show_id)
    report = await reports.show_report(uow.session, show=info)
    if format == "csv":
        return _csv(show_csv(report), f"show-{show_id}.csv")  # type: ignore[return-value]
    return report


def show_csv(r: ShowReport) -> list[list[object]]:
    rows: list[list[object]] = [["metric", "value"]]
    for name in (
        "peak_viewers",
        "avg_viewers",
        "unique_viewers",
        "views",
        "watch_seconds",
        "avg_watch_seconds",
        "likes",
        "chats",
        "impressions",
        "clicks",
        "ctr",
        "click_to_order",
        "orders",
        "units",
        "refunds",
        "new_followers",
        "shares",
    ):
        rows.append([name, getattr(r, name)])
    rows.append(["gmv", r.gmv.formatted])
    rows.append(
        ["gmv_per_1000_views", r.gmv_per_1000_views.formatted if r.gmv_per_1000_views else ""]
    )
    rows.append(["refunded", r.refunded.formatted])
    rows.append([])
    rows.append(["minute", "peak_viewers", "avg_viewers", "gmv_minor"])
    rows.extend([[p.local, p.viewers, p.watching, p.gmv] for p in r.timeline])
    return rows


def range_csv(r: RangeReport) -> list[list[object]]:
    rows: list[list[object]] = [
        ["metric", f"{r.start}..{r.end}", f"{r.previous_start}..{r.previous_end}"]
    ]
    for name in type(r.current).model_fields:
        a, b = getattr(r.current, name), getattr(r.previous, name)
        if name == "gmv":
            a, b = a.formatted, b.formatted
        rows.append([name, a, b])
    rows.append([])
    rows.append(["day", "views", "orders", f"gmv_minor_{r.currency}"])
    rows.extend([[d.day.isoformat(), d.views, d.orders, d.gmv] for d in r.days])
    return rows


# --- over date ranges --------------------------------------------------------------------


@router.get("/creators/me", responses=CSV_TOO)
async def creator_report(
    user: CurrentUser, uow: Uow, start: StartQ = None, end: EndQ = None, format: Fmt = "json"
) -> RangeReport:
    """Your shows' figures over a date range (your market's time zone), with the period
    before it."""
    a, b = _default_range(start, end)
    report = await reports.range_report(
        uow.session, scope="creator", key=user.id, market=user.market_code, start=a, end=b
    )
    if format == "csv":
        return _csv(range_csv(report), "creator.csv")  # type: ignore[return-value]
    return report


@router.get("/shops/{shop_id}", responses={**CSV_TOO, 403: {"description": "Not your shop"}})
async def shop_report(
    shop_id: IdPath,
    user: CurrentUser,
    uow: Uow,
    start: StartQ = None,
    end: EndQ = None,
    format: Fmt = "json",
) -> RangeReport:
    """The shop's shows over a date range, for its members and admins."""
    if user.has_role(Role.admin):
        shop = await catalog.get_shop(session=uow.session, shop_id=shop_id)
    else:
        shop = await catalog.check_member(session=uow.session, user=user, shop_id=shop_id)
    a, b = _default_range(start, end)
    report = await reports.range_report(
        uow.session, scope="shop", key=shop.id, market=shop.market_code, start=a, end=b
    )
    if format == "csv":
        return _csv(range_csv(report), f"shop-{shop_id}.csv")  # type: ignore[return-value]
    return report


@router.get("/markets/{market}", responses={**CSV_TOO, 403: {"description": "Operators only"}})
async def market_report(
    market: str,
    user: CurrentUser,
    uow: Uow,
    start: StartQ = None,
    end: EndQ = None,
    format: Fmt = "json",
) -> RangeReport:
    """A market's figures over a date range, with the period before it (operators)."""
    _check_admin(user)
    a, b = _default_range(start, end)
    report = await reports.range_report(
        uow.session, scope="market", key=market, market=market, start=a, end=b
    )
    if format == "csv":
        return _csv(range_csv(report), f"market-{market}.csv")  # type: ignore[return-value]
    return report


@router.get(
    "/markets/{market}/heatmap", responses={**CSV_TOO, 403: {"description": "Operators only"}}
)
async def market_heatmap(
    market: str,
    user: CurrentUser,
    uow: Uow,
    weeks: Annotated[int, Query(ge=1, le=52)] = 8,
    format: Fmt = "json",
) -> Heatmap:
    """Hour-of-week averages (7 x 24, local time) of viewers, orders, chat and support."""
    _check_admin(user)
    hm = await reports.heatmap(uow.session, market=market, weeks=weeks)
    if format == "csv":
        rows = [list(r) for r in reports.csv_rows_of_heatmap(hm)]
        return _csv(rows, f"heatmap-{market}.csv")  # type: ignore[return-value]
    return hm


@router.get(
    "/markets/{market}/staffing", responses={**ICS_TOO, 403: {"description": "Operators only"}}
)
async def market_staffing(
    market: str,
    user: CurrentUser,
    uow: Uow,
    shift: Annotated[list[str] | None, Query(max_length=staffing.MAX_SHIFTS)] = None,
    chats_per_moderator_minute: float = 30.0,
    contacts_per_agent_hour: float = 8.0,
    service_level: float = 0.8,
    answer_seconds: float = 60.0,
    weeks: Annotated[int, Query(ge=1, le=52)] = 8,
    format: Annotated[Literal["json", "csv", "ics"], Query()] = "json",
) -> staffing.Plan:
    """Moderators and agents needed each local hour of the week against the shifts given
    (`shift=role,days,start,hours,people`, days `0-4` or `1.3.5`, 0 = Monday)."""
    _check_admin(user)
    try:
        settings = staffing.PlannerSettings(
            chats_per_moderator_minute=chats_per_moderator_minute,
            contacts_per_agent_hour=contacts_per_agent_hour,
            service_level=service_level,
            answer_seconds=answer_seconds,
        )
        shifts = [
            staffing.parse_shift(s)
            for s in (staffing.DEFAULT_SHIFTS if shift is None else shift)
            if s
        ]
    except (ValueError, ValidationError) as exc:
        raise Problem(422, "invalid_plan", str(exc).splitlines()[0]) from None
    hm = await reports.heatmap(uow.session, market=market, weeks=weeks)
    plan = staffing.plan(hm, shifts, settings)
    if format == "csv":
        return Response(  # type: ignore[return-value]
            staffing.to_csv(plan),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="staffing-{market}.csv"'},
        )
    if format == "ics":
        return Response(  # type: ignore[return-value]
            staffing.to_ical(plan, week_of=datetime.now(UTC).date()),
            media_type="text/calendar; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="staffing-{market}.ics"'},
        )
    return plan
