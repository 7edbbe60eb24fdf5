"""The staffing planner: moderators and support agents each hour of the week needs.

Load comes from the market's hour-of-week heatmap (averages over recent weeks):
- moderators: chat messages per minute in that hour / messages one moderator can read a
  minute, rounded up;
- support agents: Erlang C, the contact-centre queueing model. With `a` = contacts per hour
  x handling time (the offered load in Erlangs) and `n` agents, the chance a contact waits is
  C(n, a); the share answered within `t` seconds is 1 - C(n, a) * exp(-(n - a) * t / aht).
  The fewest agents whose share meets the target (say 80% within 60 s) is the need.

An operator lays shifts (role, days, start hour, length, people) over the week and sees each
hour covered against needed; the plan exports as CSV and as an iCalendar file (one weekly
recurring event per shift and day, in the market's time zone).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import field
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone
from pydantic import BaseModel, Field

from liveshop.analytics.schemas import Heatmap

Role = Literal["moderator", "agent"]
HOURS = 7 * 24
MAX_SHIFTS = 200


class PlannerSettings(BaseModel):
    """The planner's knobs (README, "Staffing planner"); the page lets an operator change them."""

    chats_per_moderator_minute: float = Field(default=30.0, gt=0, le=10_000)
    contacts_per_agent_hour: float = Field(default=8.0, gt=0, le=1_000)
    service_level: float = Field(default=0.8, gt=0, lt=1)
    answer_seconds: float = Field(default=60.0, gt=0, le=3_600)
    max_agents: int = Field(default=500, ge=1, le=10_000)

    @property
    def handle_seconds(self) -> float:
        """Average handling time: an agent at full stretch answers this many an hour."""
        return 3600 / self.contacts_per_agent_hour


class Shift(BaseModel):
    role: Role
    days: list[int] = Field(min_length=1, max_length=7)  # 0 = Monday
    start: int = Field(ge=0, le=23)  # local hour
    hours: int = Field(ge=1, le=24)
    people: int = Field(ge=1, le=1_000)


def erlang_c(n: int, a: float) -> float:
    """The probability that a contact has to wait, with `n` agents and `a` Erlangs offered."""
    if a <= 0:
        return 0.0
    if n <= a:
        return 1.0
    b = 1.0  # Erlang B by its stable recursion, then C from B
    for k in range(1, n + 1):
        b = a * b / (k + a * b)
    return n * b / (n - a * (1 - b))


def service_level(n: int, a: float, handle_seconds: float, answer_seconds: float) -> float:
    if a <= 0:
        return 1.0
    if n <= a:
        return 0.0
    return 1 - erlang_c(n, a) * math.exp(-(n - a) * answer_seconds / handle_seconds)


def agents_needed(contacts_per_hour: float, s: PlannerSettings) -> int:
    if contacts_per_hour <= 0:
        return 0
    a = contacts_per_hour * s.handle_seconds / 3600
    n = max(1, math.floor(a) + 1)
    while n < s.max_agents and service_level(n, a, s.handle_seconds, s.answer_seconds) < (
        s.service_level
    ):
        n += 1
    return n


def moderators_needed(chats_per_hour: float, s: PlannerSettings) -> int:
    per_minute = chats_per_hour / 60
    # A float hair above a whole number (0.1 * 3) must not ask for one more person.
    return max(0, math.ceil(round(per_minute / s.chats_per_moderator_minute, 9)))


class HourPlan(BaseModel):
    day: int
    hour: int
    chats_per_minute: float
    contacts_per_hour: float
    moderators_needed: int
    moderators: int
    agents_needed: int
    agents: int
    status: Literal["under", "over", "ok"]


class Plan(BaseModel):
    market: str
    timezone: str
    settings: PlannerSettings
    shifts: list[Shift]
    hours: list[HourPlan] = field(default_factory=list)
    under_hours: int
    over_hours: int


def coverage(shifts: list[Shift]) -> dict[Role, list[int]]:
    covered: dict[Role, list[int]] = {"moderator": [0] * HOURS, "agent": [0] * HOURS}
    for shift in shifts:
        for day in sorted(set(shift.days)):
            for k in range(shift.hours):
                covered[shift.role][(day * 24 + shift.start + k) % HOURS] += shift.people
    return covered


def plan(heat: Heatmap, shifts: list[Shift], settings: PlannerSettings) -> Plan:
    have = coverage(shifts)
    hours = []
    for slot in range(HOURS):
        d, h = divmod(slot, 24)
        chats, contacts = heat.chats[d][h], heat.support_contacts[d][h]
        need_m, need_a = moderators_needed(chats, settings), agents_needed(contacts, settings)
        mods, agents = have["moderator"][slot], have["agent"][slot]
        if mods < need_m or agents < need_a:
            status: Literal["under", "over", "ok"] = "under"
        elif mods > need_m or agents > need_a:
            status = "over"
        else:
            status = "ok"
        hours.append(
            HourPlan(
                day=d,
                hour=h,
                chats_per_minute=round(chats / 60, 3),
                contacts_per_hour=contacts,
                moderators_needed=need_m,
                moderators=mods,
                agents_needed=need_a,
                agents=agents,
                status=status,
            )
        )
    return Plan(
        market=heat.market,
        timezone=heat.timezone,
        settings=settings,
        shifts=shifts,
        hours=hours,
        under_hours=sum(h.status == "under" for h in hours),
        over_hours=sum(h.status == "over" for h in hours),
    )


DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def to_csv(p: Plan) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(
        [
            "day",
            "hour",
            "chats_per_minute",
            "contacts_per_hour",
            "moderators_needed",
            "moderators",
            "agents_needed",
            "agents",
            "status",
        ]
    )
    for h in p.hours:
        w.writerow(
            [
                DAY_NAMES[h.day],
                f"{h.hour:02d}:00",
                h.chats_per_minute,
                h.contacts_per_hour,
                h.moderators_needed,
                h.moderators,
                h.agents_needed,
                h.agents,
                h.status,
            ]
        )
    return out.getvalue()


def to_ical(p: Plan, *, week_of: date) -> bytes:
    """One weekly event per shift and day, from the week of `week_of`, in local time."""
    tz = ZoneInfo(p.timezone)
    cal = Calendar()
    cal.add("prodid", "-//Liveshop//Staffing planner//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"Liveshop staffing {p.market}")
    monday = week_of - timedelta(days=week_of.weekday())
    cal.add_component(
        Timezone.from_tzinfo(
            tz,
            first_date=monday - timedelta(days=1),
            last_date=monday.replace(year=monday.year + 2),
        )
    )
    stamp = datetime.now(tz)
    for n, shift in enumerate(p.shifts):
        who = "moderators" if shift.role == "moderator" else "support agents"
        for day in sorted(set(shift.days)):
            start = datetime.combine(monday + timedelta(days=day), time(shift.start), tz)
            ev = Event()
            ev.add("uid", f"shift-{p.market}-{n}-{day}@liveshop")
            ev.add("dtstamp", stamp)
            ev.add("summary", f"{shift.people} {who} ({p.market})")
            ev.add("dtstart", start)
            ev.add("duration", timedelta(hours=shift.hours))
            ev.add("rrule", {"freq": "weekly"})
            ev.add("categories", [shift.role])
            cal.add_component(ev)
    data: bytes = cal.to_ical()
    return data


def parse_shift(spec: str) -> Shift:
    """`role,days,start,hours,people`; days `0-4` or `0.2.5` (0 = Monday): a compact query form."""
    parts = spec.split(",")
    if len(parts) != 5:
        raise ValueError("a shift is role,days,start,hours,people")
    role, days, start, hours, people = parts
    if "-" in days:
        lo, hi = (int(x) for x in days.split("-", 1))
        if not 0 <= lo <= hi <= 6:
            raise ValueError("days run 0 (Monday) to 6 (Sunday)")
        day_list = list(range(lo, hi + 1))
    else:
        day_list = [int(x) for x in days.split(".") if x != ""]
    if any(not 0 <= d <= 6 for d in day_list):
        raise ValueError("days run 0 (Monday) to 6 (Sunday)")
    return Shift.model_validate(
        {"role": role, "days": day_list, "start": start, "hours": hours, "people": people}
    )


# A starting point an operator edits on the page: three agent shifts round the clock, and
# moderators through the day and the evening peak.
DEFAULT_SHIFTS = [
    "agent,0-6,0,8,1",
    "agent,0-6,8,8,2",
    "agent,0-6,16,8,3",
    "moderator,0-6,9,8,1",
    "moderator,0-6,17,8,2",
]
