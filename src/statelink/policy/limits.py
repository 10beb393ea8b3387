"""What each of a state's settings may be, and the checks that refuse a mistake.

:class:`~statelink.policy.settings.StateSettings` runs these checks on every change, so
the command line, the dashboard and any other caller get the same answer: a
:class:`UsageError` (exit 2, HTTP 400) whose one line names the setting, the value given
and what is allowed, e.g. ``review_hours: expected a whole number of hours from 1 to
720, given 0``.

The ranges, and why:

- ``review_hours``, 1 to 720 (30 days): at 0 a held message would expire before anyone
  could review it; beyond a month, an answer is of no use to the requester and the held
  message waits in the queue for nothing.
- ``notice_days``, 1 to 60 business days (about three months): 0 would make a letter due
  on the day of the release, before it can be printed and posted; the laws that owe
  notices speak of days, and a notice due months later tells the person nothing in time.
- ``notice_retention_days``, 1 to 365: at least a day, so that a notice marked sent can
  be seen as sent (and a wrong mark caught) before it is purged; at most a year, since a
  notice keeps a name and a postal address that nothing needs once the letter is sent.
- serious-crime ranges: 4-digit NCIC offense codes, low to high, at least one range.
- notice groups: groups that agencies of the directory carry (none at all is allowed:
  the state owes no notices); a group nobody carries would quietly end the notices.
- holidays: a weekday (business days skip weekends already) from 2000 to ten years
  ahead, with a name of at most 80 printable characters.
- the contact details printed in letters: see :mod:`statelink.policy.contact`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from statelink.errors import FieldError, UsageError


@dataclass(frozen=True)
class Number:
    """A numeric setting: its default, what it means and the whole numbers it may be."""

    default: int
    meaning: str
    unit: str
    low: int
    high: int

    @property
    def allowed(self) -> str:
        return f"a whole number of {self.unit} from {self.low} to {self.high}"


NUMBERS: dict[str, Number] = {
    "review_hours": Number(
        72, "hours a held message waits for review before it expires", "hours", 1, 720
    ),
    "notice_days": Number(3, "business days within which a notice is due", "business days", 1, 60),
    "notice_retention_days": Number(
        30, "days a sent notice is kept before its address is purged", "days", 1, 365
    ),
}
"""The state's numeric settings, by name."""

FIRST_HOLIDAY_YEAR = 2000
HOLIDAY_YEARS_AHEAD = 10
MAX_HOLIDAY_NAME = 80
RANGE_FORM = "NNNN or NNNN-NNNN (4-digit NCIC offense codes, low to high)"
MAX_LISTED = 20
"""Groups named at most in an error line (then how many more)."""

_BLANKS = re.compile(r"[ \t]+")
_CODE = re.compile(r"\d{4}")
_GROUP = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")  # as the directory's groups are written
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def refuse(setting: str, expected: str, given: str) -> UsageError:
    """The one-line error for a setting given a value it may not have (``given``: the
    value as the line shows it)."""
    return UsageError(str(FieldError(setting, expected, given[:160])))


def check_number(name: str, value: int) -> int:
    """``value`` if the setting ``name`` may have it."""
    number = NUMBERS.get(name)
    if number is None:
        raise UsageError(f"unknown setting {name[:40]!r}: one of {', '.join(NUMBERS)}")
    if isinstance(value, bool) or not number.low <= value <= number.high:
        raise refuse(name, number.allowed, repr(value))
    return value


def check_ranges(ranges: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Serious-crime ranges, sorted without repeats, if every one is two 4-digit NCIC
    offense codes, low to high; at least one."""
    checked = set()
    for first, last in ranges:
        if not (_CODE.fullmatch(first) and _CODE.fullmatch(last)) or last < first:
            shown = first if first == last else f"{first}-{last}"
            raise refuse("serious-crime range", RANGE_FORM, repr(shown))
        checked.add((first, last))
    if not checked:
        raise UsageError("give at least one serious-crime range, e.g. 0900-0999")
    return sorted(checked)


def check_groups(groups: Iterable[str], known: Collection[str] | None) -> list[str]:
    """Notice groups, lower case, sorted without repeats or blanks, if each is a group
    of the directory (``known``: the groups its agencies carry). ``known`` None checks
    only that each is written as a directory group is (the demo's provisioning, whose
    templates name the directory's own groups)."""
    names = sorted({g.strip().lower() for g in groups if g.strip()})
    badly_written = [g for g in names if not _GROUP.fullmatch(g)]
    if badly_written:
        raise refuse(
            "notice groups",
            "group names of lowercase letters, digits and -",
            repr(badly_written[0]),
        )
    if known is None:
        return names
    unknown = [g for g in names if g not in known]
    if unknown:
        given = ", ".join(map(repr, unknown))
        close = difflib.get_close_matches(unknown[0], sorted(known), n=1)
        if close:
            given += f" (did you mean {close[0]}?)"
        raise refuse("notice groups", _groups_allowed(known), given)
    return names


def _groups_allowed(known: Collection[str]) -> str:
    if not known:
        return "a group of the directory, which has none"
    listed = sorted(known)
    shown = ", ".join(listed[:MAX_LISTED])
    if len(listed) > MAX_LISTED:
        shown += f" and {len(listed) - MAX_LISTED} more"
    return f"groups that agencies of the directory carry ({shown})"


def check_holiday(day: dt.date, name: str, today: dt.date) -> tuple[dt.date, str]:
    """A state holiday (its day, its name with spaces tidied) if the day is a weekday
    from 2000 to ten years after ``today`` and the name is one short printable line."""
    last = dt.date(today.year + HOLIDAY_YEARS_AHEAD, 12, 31)
    if not dt.date(FIRST_HOLIDAY_YEAR, 1, 1) <= day <= last:
        raise refuse("holiday", f"a day from {FIRST_HOLIDAY_YEAR}-01-01 to {last}", str(day))
    if day.weekday() >= 5:
        raise refuse(
            "holiday",
            "a weekday (business days skip weekends already: give the day the state "
            "observes it on)",
            f"{day} (a {_WEEKDAYS[day.weekday()]})",
        )
    tidy = _BLANKS.sub(" ", name).strip(" ")  # a line break is kept, and refused
    if len(tidy) > MAX_HOLIDAY_NAME or not tidy.isprintable():
        raise refuse(
            "holiday name", f"at most {MAX_HOLIDAY_NAME} printable characters", repr(name[:120])
        )
    return day, tidy
