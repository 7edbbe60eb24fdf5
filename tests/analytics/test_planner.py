"""The staffing planner: a known load gives hand-computed staff per hour; a shift plan shows
the right under- and over-covered hours; the CSV and iCalendar exports parse."""

from __future__ import annotations

import csv
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from icalendar import Calendar

from liveshop.analytics import rollup, staffing
from liveshop.analytics.ingest import recorder
from liveshop.analytics.store import SqlEventStore
from tests.kits.factories import Api

TUE = 1
LONDON = ZoneInfo("Europe/London")


def test_erlang_c_by_hand() -> None:
    # 10 contacts an hour, 10 minutes each: 1.667 Erlangs. Worked from the factorial form:
    # 3 agents answer 73.8% within 60 s, 4 agents 91.9%; so 80% needs 4.
    s = staffing.PlannerSettings(contacts_per_agent_hour=6)
    a = 10 * 600 / 3600
    assert staffing.erlang_c(3, a) == pytest.approx(0.2998, abs=1e-4)
    assert staffing.service_level(3, a, 600, 60) == pytest.approx(0.7377, abs=1e-4)
    assert staffing.service_level(4, a, 600, 60) == pytest.approx(0.9189, abs=1e-4)
    assert staffing.agents_needed(10, s) == 4
    assert staffing.agents_needed(2, s) == 2  # 1 agent: 68.8%, 2 agents: 96.0%
    assert staffing.agents_needed(0, s) == 0
    assert (
        staffing.moderators_needed(150, staffing.PlannerSettings(chats_per_moderator_minute=1)) == 3
    )


def _last_tuesday(hour: int, minute: int) -> datetime:
    today = datetime.now(LONDON).date()
    tuesday = today - timedelta(days=today.weekday()) - timedelta(days=6)  # last week's
    return datetime.combine(tuesday, time(hour, minute), LONDON)


async def test_plan_against_shifts(app: Any, client: httpx.AsyncClient, api: Api) -> None:
    weeks = 8
    # Averaged over 8 weeks: Tuesday 10:00 has 150 chats and 10 support contacts an hour,
    # Tuesday 11:00 has 2 contacts. All of it lands in one week (8x the weekly average).
    at10, at11 = _last_tuesday(10, 5), _last_tuesday(11, 5)
    for n in range(150 * weeks):
        recorder.record("chat", market="UK", at=at10 + timedelta(seconds=n % 3000))
    for n in range(10 * weeks):
        recorder.record("support_contact", market="UK", at=at10 + timedelta(seconds=n * 30))
    for n in range(2 * weeks):
        recorder.record("support_contact", market="UK", at=at11 + timedelta(seconds=n * 30))
    await recorder.flush()
    await rollup.catch_up(app.state.db, SqlEventStore(app.state.db))

    admin = await api.user("admin")
    base = (
        "/api/v1/analytics/markets/UK/staffing?chats_per_moderator_minute=1"
        "&contacts_per_agent_hour=6&service_level=0.8&answer_seconds=60"
        "&shift=moderator,1,9,2,3"
    )
    r = await client.get(base + "&shift=agent,1,10,2,3", headers=admin.headers)
    assert r.status_code == 200, r.text
    plan = r.json()
    hours = {(h["day"], h["hour"]): h for h in plan["hours"]}
    t9, t10, t11 = hours[(TUE, 9)], hours[(TUE, 10)], hours[(TUE, 11)]
    assert (t10["moderators_needed"], t10["agents_needed"]) == (3, 4)
    assert (t11["moderators_needed"], t11["agents_needed"]) == (0, 2)
    assert (t9["moderators_needed"], t9["agents_needed"]) == (0, 0)
    assert (t9["moderators"], t10["moderators"], t11["moderators"]) == (3, 3, 0)
    assert (t9["agents"], t10["agents"], t11["agents"]) == (0, 3, 3)
    assert (t9["status"], t10["status"], t11["status"]) == ("over", "under", "over")
    assert (plan["under_hours"], plan["over_hours"]) == (1, 2)
    others = [h for k, h in hours.items() if k not in {(TUE, 9), (TUE, 10), (TUE, 11)}]
    assert {h["status"] for h in others} == {"ok"}

    # One more agent on the shift: Tuesday 10:00 is covered.
    r = await client.get(base + "&shift=agent,1,10,2,4", headers=admin.headers)
    assert r.json()["under_hours"] == 0

    r = await client.get(base + "&shift=agent,1,10,2,3&format=csv", headers=admin.headers)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(r.text.splitlines()))
    assert len(rows) == 168
    row = next(x for x in rows if x["day"] == "Tuesday" and x["hour"] == "10:00")
    assert (row["agents_needed"], row["agents"], row["status"]) == ("4", "3", "under")

    r = await client.get(base + "&shift=agent,0-4,22,4,2&format=ics", headers=admin.headers)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    cal = Calendar.from_ical(r.content)
    events = list(cal.walk("VEVENT"))
    assert len(events) == 1 + 5  # the moderators' Tuesday, the agents' Monday to Friday
    night = [e for e in events if "agents" in str(e["SUMMARY"])]
    starts = sorted(e.decoded("DTSTART") for e in night)
    assert [s.weekday() for s in starts] == [0, 1, 2, 3, 4]
    assert all(s.hour == 22 and str(s.tzinfo) == "Europe/London" for s in starts)
    assert all(e.decoded("DURATION") == timedelta(hours=4) for e in night)
    assert all(e["RRULE"]["FREQ"] == ["WEEKLY"] for e in night)
    assert cal.walk("VTIMEZONE")[0]["TZID"] == "Europe/London"


async def test_bad_shifts_are_refused(app: Any, client: httpx.AsyncClient, api: Api) -> None:
    admin = await api.user("admin")
    for bad in ("agent,7,9,2,1", "boss,1,9,2,1", "agent,1,25,2,1", "agent,1,9,0,1", "x"):
        r = await client.get(
            f"/api/v1/analytics/markets/UK/staffing?shift={bad}", headers=admin.headers
        )
        assert r.status_code == 422, (bad, r.text)
        assert r.json()["code"] == "invalid_plan"
    r = await client.get(
        "/api/v1/analytics/markets/UK/staffing?service_level=1.5", headers=admin.headers
    )
    assert r.status_code == 422
