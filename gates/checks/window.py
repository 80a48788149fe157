"""``window``: deploy only inside planned slots and outside every freeze.

Example::

    window:
      type: window
      stage: post-deploy            # or pre-deploy: where the deploy job asks
      timezone: Europe/Berlin
      allow: [{days: [mon, tue, wed, thu], hours: "09:00-16:00"}]
      freeze: [{from: 2026-12-20, to: 2027-01-04, reason: year-end freeze}]

The clock is read once, in UTC, and converted with :mod:`zoneinfo`, so slots keep their local
meaning across daylight-saving changes (a 09:00 slot is 09:00 on the wall clock in summer and in
winter). ``pass`` inside an allowed slot and outside every freeze; otherwise ``fail`` naming the
next allowed moment. An emergency (``gates run --emergency REASON`` or ``GATES_EMERGENCY``)
turns that ``fail`` into ``warn`` and records reason, person (``--by`` / ``GATES_EMERGENCY_BY`` or
the CI actor) and time as the finding ``emergency-deploy``. An emergency without a reason or a
person is refused (``error``). Contract: docs/gates/window.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from gates.checks.base import Check, GateContext, GateOutcome, OptionsBase, Rule
from gates.model import Finding, Severity, Status

Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAYS: tuple[Day, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CI_ACTOR_VARIABLES = ("GITHUB_ACTOR", "GITLAB_USER_LOGIN", "BUILDKITE_BUILD_CREATOR", "USER")
"""Where the person behind an emergency is found when ``--by`` is not given, in order."""
SEARCH_DAYS = 400
"""How far ahead the next allowed slot is searched (a freeze longer than a year is a typo)."""


def _clock(text: str) -> time:
    hours, _, minutes = text.strip().partition(":")
    if not (hours.isdigit() and minutes.isdigit()) or len(minutes) != 2:
        raise ValueError(f"{text!r} is not HH:MM")
    if (int(hours), int(minutes)) == (24, 0):
        return time.max
    return time(int(hours), int(minutes))


class Slot(BaseModel):
    """Allowed days and local hours ``HH:MM-HH:MM`` (end excluded; ``24:00`` is midnight)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    days: list[Day] = Field(default_factory=lambda: list(DAYS))
    hours: str = "00:00-24:00"

    @field_validator("hours")
    @classmethod
    def _range(cls, value: str) -> str:
        start, sep, end = value.partition("-")
        if not sep:
            raise ValueError(f"hours {value!r} must be HH:MM-HH:MM")
        if _clock(start) >= _clock(end):
            raise ValueError(f"hours {value!r}: the start must be before the end")
        return value

    @property
    def bounds(self) -> tuple[time, time]:
        """Local start and end of the slot."""
        start, _, end = self.hours.partition("-")
        return _clock(start), _clock(end)


class Freeze(BaseModel):
    """No deploys from ``from`` to ``to``, both local days included."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True, populate_by_name=True)

    start: date = Field(alias="from")
    end: date = Field(alias="to")
    reason: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> Freeze:
        if self.end < self.start:
            raise ValueError("freeze: 'to' is before 'from'")
        return self


class WindowOptions(OptionsBase):
    """Options of the ``window`` gate."""

    type: Literal["window"] = "window"
    timezone: str = Field(description="IANA time zone of the slots, e.g. Europe/Berlin")
    allow: list[Slot] = Field(description="Slots in which deploys are allowed")
    freeze: list[Freeze] = Field(default_factory=list, description="Periods with no deploys")

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (an IANA name: Europe/Berlin)") from None
        return value

    @field_validator("allow")
    @classmethod
    def _some(cls, value: list[Slot]) -> list[Slot]:
        if not value:
            raise ValueError("allow needs at least one slot (a window that never opens)")
        return value


RULES = (
    Rule(
        id="outside-window",
        severity=Severity.HIGH,
        title="Deploy outside the allowed deployment window",
        why="Deploys are planned for times when the team can watch and roll back.",
        fix="Wait for the next allowed slot, or pass --emergency REASON --by PERSON.",
    ),
    Rule(
        id="emergency-deploy",
        severity=Severity.INFO,
        title="Emergency deploy outside the window",
        why="An emergency bypass was used; reason, person and time are recorded.",
        fix="Review the emergency after the fact.",
    ),
)


def _in_slot(local: datetime, slot: Slot) -> bool:
    start, end = slot.bounds
    now = local.time()
    return DAYS[local.weekday()] in slot.days and start <= now and (now < end or end == time.max)


def _freeze_at(local: datetime, freezes: Sequence[Freeze]) -> Freeze | None:
    return next((f for f in freezes if f.start <= local.date() <= f.end), None)


def _local(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The first existing local moment at or after ``day at``: a slot starting in a DST gap
    opens when the clock jumps (02:30 on a spring-forward night opens at 03:00)."""
    candidate = datetime.combine(day, at, tzinfo=zone)
    if candidate.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == candidate.replace(
        tzinfo=None
    ):
        return candidate
    # In the gap: fold=1 reads the wall time with the offset after the change (earlier in UTC).
    moment = candidate.replace(fold=1).astimezone(UTC).replace(second=0, microsecond=0)
    limit = candidate.astimezone(UTC)
    while moment < limit and moment.astimezone(zone).time() < at:
        moment += timedelta(minutes=1)
    return moment.astimezone(zone)


def next_allowed(now: datetime, options: WindowOptions) -> datetime | None:
    """The first moment at or after ``now`` (aware) inside a slot and outside every freeze."""
    zone = ZoneInfo(options.timezone)
    local = now.astimezone(zone)
    for offset in range(SEARCH_DAYS):
        day = local.date() + timedelta(days=offset)
        if any(f.start <= day <= f.end for f in options.freeze):
            continue
        starts = []
        for slot in options.allow:
            if DAYS[day.weekday()] not in slot.days:
                continue
            opening = _local(day, slot.bounds[0], zone)
            if offset == 0 and opening <= local:
                if _in_slot(local, slot):
                    return local
                continue
            starts.append(opening)
        if starts:
            return min(starts)
    return None


def judge_at(now: datetime, options: WindowOptions, environ: Mapping[str, str]) -> GateOutcome:
    """The gate's decision at the aware moment ``now`` (the pure core; tests fix the clock)."""
    zone = ZoneInfo(options.timezone)
    local = now.astimezone(zone)
    freeze = _freeze_at(local, options.freeze)
    slot = next((s for s in options.allow if _in_slot(local, s)), None)
    shown = local.strftime("%a %Y-%m-%d %H:%M %Z")
    details: dict[str, object] = {"now": now.astimezone(UTC).isoformat(), "local": shown}
    if freeze is None and slot is not None:
        details["slot"] = f"{','.join(slot.days)} {slot.hours}"
        return GateOutcome(
            summary=f"inside the window ({shown})", status=Status.PASS, details=details
        )
    upcoming = next_allowed(now, options)
    why = (
        f"freeze {freeze.start}..{freeze.end}" + (f" ({freeze.reason})" if freeze.reason else "")
        if freeze
        else "outside every allowed slot"
    )
    next_text = upcoming.strftime("%a %Y-%m-%d %H:%M %Z") if upcoming else "none within a year"
    details["next_allowed"] = upcoming.astimezone(UTC).isoformat() if upcoming else None
    summary = f"{shown}: {why}; next allowed: {next_text}"
    reason = environ.get("GATES_EMERGENCY", "").strip()
    if "GATES_EMERGENCY" in environ:
        person = environ.get("GATES_EMERGENCY_BY", "").strip() or next(
            (environ[v].strip() for v in CI_ACTOR_VARIABLES if environ.get(v, "").strip()), ""
        )
        if not reason or not person:
            missing = "a reason" if not reason else "a person (--by or a CI actor)"
            return GateOutcome.failed_closed(
                f"emergency deploy refused: it needs {missing}", details=details
            )
        record = {"reason": reason, "by": person, "at": now.astimezone(UTC).isoformat()}
        details["emergency"] = record
        return GateOutcome(
            summary=f"EMERGENCY by {person}: {reason} ({summary})",
            status=Status.WARN,
            details=details,
            findings=[
                Finding(
                    rule="emergency-deploy",
                    severity=Severity.INFO,
                    message=f"emergency deploy by {person} at {record['at']}: {reason} ({why})",
                    blocks=False,
                    title=RULES[1].title,
                    data=record,
                )
            ],
        )
    return GateOutcome(
        summary=summary,
        status=Status.FAIL,
        details=details,
        findings=[
            Finding(
                rule="outside-window",
                severity=Severity.HIGH,
                message=summary,
                title=RULES[0].title,
                data={"next_allowed": details["next_allowed"]},
            )
        ],
    )


def evaluate(options: WindowOptions, ctx: GateContext) -> GateOutcome:
    """Judge the current time."""
    return judge_at(datetime.now(UTC), options, ctx.environ)


CHECK = Check(
    type="window",
    options=WindowOptions,
    evaluate=evaluate,
    rules=RULES,
    summary="Deployment windows: allowed slots, freezes, emergency path",
)
