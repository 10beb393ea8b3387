"""Structured logs: named events with bound context, never personal data.

Every statelink log line is an event name with key-value context: a node binds its
``state``, the ``message_id`` and the requester's ``component`` (ICE, HSI, FBI...), so
that an operator can follow one message across the hub, a node and the audit service.
Personal data never belongs in a log: the values of keys that could hold it (names,
dates of birth, licence numbers, plates, VINs, searched fields, operators, records)
are withheld by a processor before any line is written, whoever passes them.

A traceback is printed plainly, without the values of local variables and without the
exception's message (either may hold personal data: a parse error quoting a date of
birth, a database error quoting a statement's parameters): its frames and the kinds of
the exception and its causes are enough to find the fault. Commands log to stderr: a
readable line by default, one JSON object per line with ``json=True`` (the services, for
a log collector). Tests read the events with
``structlog.testing.capture_logs``.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import MutableMapping
from typing import Any

import structlog

PERSONAL = frozenset(
    {
        "name",
        "dob",
        "oln",
        "plate",
        "lic",
        "vin",
        "fields",
        "search",
        "operator",
        "records",
        "drivers",
        "vehicles",
        "subjects",
    }
)
"""Keys whose values are withheld from every log line."""

WITHHELD = "[withheld]"

_level = logging.WARNING  # the level configured last


def enabled(level: int) -> bool:
    """Whether events at ``level`` are written: for events on the hot path, which are
    not even built when they would be dropped."""
    return level >= _level


def withhold_personal(
    _logger: Any, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """A structlog processor: replace the value of every personal key."""
    for key in PERSONAL.intersection(event):
        event[key] = WITHHELD
    return event


def traceback_without_messages(
    _logger: Any, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """A structlog processor: render ``exc_info`` as frames and exception kinds only."""
    exc_info = event.pop("exc_info", None)
    if not exc_info:
        return event
    if exc_info is True:
        error = sys.exc_info()[1]
    elif isinstance(exc_info, BaseException):
        error = exc_info
    else:
        error = exc_info[1]
    if error is not None:
        event["exception"] = _frames(error)
    return event


def _frames(error: BaseException) -> str:
    """The traceback of ``error`` and of what caused it, each line a frame or a kind."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen and len(seen) < 8:
        seen.add(id(current))
        frames = "".join(traceback.format_tb(current.__traceback__))
        kind = f"{type(current).__module__}.{type(current).__qualname__}"
        parts.append(f"Traceback (most recent call last):\n{frames}{kind} (message withheld)")
        current = current.__cause__ or current.__context__
    return "\n\nwhich was raised while handling or from:\n".join(reversed(parts))


def _to_stderr(*_args: Any) -> structlog.PrintLogger:
    """A logger on the stderr of the moment (a test may have swapped it since)."""
    return structlog.PrintLogger(sys.stderr)


def configure(*, json: bool = False, level: int = logging.WARNING) -> None:
    """Log events at ``level`` and above to stderr (and third-party stdlib logs too)."""
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    _configure(json=json, level=level)


def configure_default() -> None:
    """Unless the program has configured structlog itself: warnings and errors to stderr.

    structlog's own default writes every event, info too, to stdout: a program that
    embeds statelink (a benchmark, a test) would get log lines in its output."""
    if not structlog.is_configured():
        _configure(json=False, level=logging.WARNING)


def _configure(*, json: bool, level: int) -> None:
    global _level
    _level = level
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if json
        else structlog.dev.ConsoleRenderer(
            colors=False, pad_event_to=0, exception_formatter=structlog.dev.plain_traceback
        )
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            withhold_personal,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            traceback_without_messages,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=_to_stderr,
        cache_logger_on_first_use=False,
    )
