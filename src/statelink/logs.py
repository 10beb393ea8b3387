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
readable line by default, one JSON object per line with ``json=True``: the services
(:func:`configure_service`), for a log collector, where the standard library's records
(uvicorn's, the web framework's) become the same JSON objects, their values withheld and
tracebacks stripped alike. Tests read the events with ``structlog.testing.capture_logs``.

Importing structlog takes a noticeable part of a command's start-up, so this module does
not: a configuration asked for before structlog is imported is applied the moment some
module first imports it (:class:`_ConfigureOnImport`), and a command that logs nothing
never loads it.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
import traceback
from collections.abc import MutableMapping, Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from importlib.abc import Loader

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
_json = False  # whether the last configuration renders JSON
_handler: logging.Handler | None = None  # the standard library's handler installed here

LEVEL_VARIABLE = "STATELINK_LOG_LEVEL"
"""The environment variable a service reads its log level from (``warning`` by default)."""
LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}


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
    import structlog

    return structlog.PrintLogger(sys.stderr)


def configure(*, json: bool = False, level: int = logging.WARNING) -> None:
    """Log events at ``level`` and above to stderr (and third-party stdlib logs too)."""
    global _json
    _json = json
    _stdlib(json=json, level=level)
    _configure(json=json, level=level)


def configure_service() -> None:
    """A service's logs: one JSON object per line on stderr, at the level named by
    ``STATELINK_LOG_LEVEL`` (debug, info, warning or error; warning if unset)."""
    from statelink.errors import UsageError

    named = os.environ.get(LEVEL_VARIABLE, "").strip().lower() or "warning"
    if named not in LEVELS:
        raise UsageError(
            f"{LEVEL_VARIABLE}: expected one of {', '.join(LEVELS)}; given {named[:20]!r}"
        )
    configure(json=True, level=LEVELS[named])


def settings() -> tuple[bool, int]:
    """The last configuration (JSON or not, level): for a process this one starts."""
    return _json, _level


def _stdlib(*, json: bool, level: int) -> None:
    """Send the standard library's records to stderr: plain lines, or (``json``) the
    same JSON objects as structlog's events. A root logger that a program configured
    itself (handlers this module did not install) is left alone."""
    global _handler
    root = logging.getLogger()
    if any(h is not _handler for h in root.handlers):
        return
    handler = logging.StreamHandler()
    if json:
        handler.setFormatter(_json_formatter())
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    if _handler is not None:
        root.removeHandler(_handler)
    root.addHandler(handler)
    root.setLevel(level)
    _handler = handler


def _json_formatter() -> logging.Formatter:
    """A formatter that renders a standard library record as structlog's JSON events."""
    import structlog

    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.add_logger_name,
            structlog.processors.add_log_level,
            withhold_personal,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            traceback_without_messages,
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.JSONRenderer(),
        ],
    )


def configure_default() -> None:
    """Unless the program has configured structlog itself: warnings and errors to stderr.

    structlog's own default writes every event, info too, to stdout: a program that
    embeds statelink (a benchmark, a test) would get log lines in its output."""
    structlog = sys.modules.get("structlog")
    if structlog is None:  # not imported yet, so configured by no one yet
        if not _ConfigureOnImport.waiting():
            _configure(json=False, level=logging.WARNING)
    elif not structlog.is_configured():
        _configure(json=False, level=logging.WARNING)


def _configure(*, json: bool, level: int) -> None:
    """Apply the configuration now if structlog is loaded, else once it is."""
    global _level
    _level = level
    if "structlog" in sys.modules:
        _apply(json=json, level=level)
    else:
        _ConfigureOnImport.wanted(json=json, level=level)


def _apply(*, json: bool, level: int) -> None:
    import structlog

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


class _ConfigureOnImport:
    """A finder first on ``sys.meta_path`` while a configuration waits for structlog: it
    lets the usual finders find structlog and, once structlog has run, configures it
    (the last configuration asked for) and leaves ``sys.meta_path``."""

    _waiting: _ConfigureOnImport | None = None
    _settings: tuple[bool, int] = (False, logging.WARNING)

    def __init__(self) -> None:
        self._finding = False

    @classmethod
    def wanted(cls, *, json: bool, level: int) -> None:
        """Configure structlog so once it is imported."""
        cls._settings = (json, level)
        if cls._waiting is None:
            cls._waiting = cls()
            sys.meta_path.insert(0, cls._waiting)

    @classmethod
    def waiting(cls) -> bool:
        """Whether a configuration waits for structlog to be imported."""
        return cls._waiting is not None

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname != "structlog" or self._finding:
            return None
        self._finding = True
        try:
            spec = importlib.util.find_spec(fullname)  # the finders after this one
        finally:
            self._finding = False
        if spec is None or spec.loader is None:
            return spec
        spec.loader = cast("Loader", _ThenConfigure(spec.loader))  # a loader by its methods
        return spec

    @classmethod
    def imported(cls) -> None:
        """structlog has just been imported: configure it; stop waiting."""
        waiting, cls._waiting = cls._waiting, None
        if waiting is not None and waiting in sys.meta_path:
            sys.meta_path.remove(waiting)
        json, level = cls._settings
        _apply(json=json, level=level)


class _ThenConfigure:
    """structlog's own loader, followed by its configuration."""

    def __init__(self, loader: Loader) -> None:
        self._loader = loader

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        module.__loader__ = self._loader  # the module sees its true loader
        if module.__spec__ is not None:
            module.__spec__.loader = self._loader
        self._loader.exec_module(module)
        _ConfigureOnImport.imported()
