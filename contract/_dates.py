"""Calendar arithmetic on the mock clock: `{$calendar: …}` dates relative to its "now" (fixtures that stay
current whatever day the mock starts), and the `in-current` test of where-filters ("in the current month")."""
from __future__ import annotations

import calendar as _calendar
from datetime import UTC, date, datetime, timedelta
from typing import Any

PERIODS = ("day", "week", "month", "year")


def iso_utc(epoch: float) -> str:
    """Seconds since the epoch as the API writes timestamps: `2026-05-01T09:00:00Z`."""
    return datetime.fromtimestamp(epoch, tz=UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_instant(value: Any) -> datetime | None:
    """A `date` or `date-time` string as an aware datetime (a date is its midnight, UTC); else None."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), datetime.min.time(), tzinfo=UTC)
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _period_start(moment: datetime, period: str) -> datetime:
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    if period == "year":
        return day.replace(month=1, day=1)
    return day


def in_current(value: Any, period: str, now: float) -> bool:
    """Whether a date or date-time falls in the calendar `period` (UTC) that contains the mock clock's now."""
    instant = parse_instant(value)
    if instant is None:
        return False
    current = datetime.fromtimestamp(now, tz=UTC)
    return _period_start(instant.astimezone(UTC), period) == _period_start(current, period)


def _add_months(moment: datetime, months: int) -> datetime:
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, _calendar.monthrange(year, month)[1]))


def calendar_value(spec: dict[str, Any], now_iso: str) -> str:
    """`{months: -1, day: 15, days: 0, format: date}`: shift now by whole months, pin the day of the month
    (clamped to its length; `last` for the last day), add days; answer a `date` (default) or `date-time`."""
    moment = parse_instant(now_iso) or datetime.now(UTC)
    moment = _add_months(moment, int(spec.get("months", 0)))
    if "day" in spec:
        length = _calendar.monthrange(moment.year, moment.month)[1]
        moment = moment.replace(day=length if spec["day"] == "last" else min(int(spec["day"]), length))
    moment += timedelta(days=float(spec.get("days", 0)))
    if spec.get("format") == "date-time":
        return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return moment.date().isoformat()
