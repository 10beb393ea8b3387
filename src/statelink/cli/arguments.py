"""The words of a command line, checked before a command sees them.

Python decodes the command line (and the environment) with ``surrogateescape``: a byte
that is not UTF-8, such as 0xFF, arrives as the lone surrogate U+DCFF. Where a value is
text (a message, a state code, a name, a URL, a token) such a character is refused,
naming the argument and the byte, before any code can trip over it. Where a value is a
file path it is kept: on Linux a file name may be any bytes but NUL, and the surrogates
turn back into the same bytes when the file is opened. No word may hold a NUL character
(no real command line can; a program calling :func:`statelink.cli.main` could).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import typer

from statelink.errors import UsageError


def check_words(words: Sequence[str]) -> None:
    """Refuse a word with a NUL character (counted from 1 after the program's name)."""
    for number, word in enumerate(words, 1):
        at = word.find("\0")
        if at >= 0:
            raise UsageError(f"argument {number} holds a NUL character (at position {at})")


def guard(command: Any, words: Sequence[str]) -> None:
    """Have every command under ``command`` (typer's click tree) check its text values
    once parsed, before it runs; ``words`` is the command line, to name an argument."""
    subcommands: dict[str, Any] = getattr(command, "commands", {})
    if subcommands:
        for sub in subcommands.values():
            guard(sub, words)
        return
    invoke: Callable[[typer.Context], Any] = command.invoke

    def checked(ctx: typer.Context) -> Any:
        check_values(ctx, words)
        return invoke(ctx)

    command.invoke = checked


def check_values(ctx: typer.Context, words: Sequence[str]) -> None:
    """Refuse a text value (not a path) that holds a byte that is not UTF-8."""
    for param in ctx.command.params:
        name = param.name or ""
        for value in _texts(ctx.params.get(name)):
            if _undecodable(value) is None:
                continue
            source = ctx.get_parameter_source(name)
            if source is not None and source.name == "ENVIRONMENT":
                raise _from_environment(param, value)
            raise _from_words(param, value, words)


def _texts(value: object) -> Iterable[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [v for v in value if isinstance(v, str)]
    return []


def _undecodable(text: str) -> tuple[int, int] | None:
    """The first byte of ``text`` (as the command line gave it) that is not UTF-8, and
    its position in bytes; None if ``text`` is valid UTF-8."""
    try:
        text.encode("utf-8")
        return None
    except UnicodeEncodeError:
        pass
    raw = os.fsencode(text) if _escaped_only(text) else text.encode("utf-8", "surrogatepass")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return raw[e.start], e.start
    return None  # pragma: no cover (a lone surrogate never decodes)


def _escaped_only(text: str) -> bool:
    """Whether every lone surrogate in ``text`` stands for a byte (surrogateescape)."""
    return all(not 0xD800 <= ord(c) <= 0xDFFF or 0xDC80 <= ord(c) <= 0xDCFF for c in text)


def _label(param: Any) -> str:
    opts: list[str] = list(getattr(param, "opts", []) or [])
    if opts and opts[0].startswith("-"):
        return max(opts, key=len)
    return str(getattr(param, "display_name_raw", None) or param.name).upper()


def _from_words(param: Any, value: str, words: Sequence[str]) -> UsageError:
    for number, word in enumerate(words, 1):
        if value and value in word:
            found = _undecodable(word)
            if found is not None:
                byte, at = found
                return UsageError(
                    f"argument {number} ({_label(param)}) is not valid UTF-8 "
                    f"(byte 0x{byte:02X} at position {at})"
                )
    byte, at = _undecodable(value) or (0, 0)
    return UsageError(f"{_label(param)} is not valid UTF-8 (byte 0x{byte:02X} at position {at})")


def _from_environment(param: Any, value: str) -> UsageError:
    names = param.envvar if isinstance(param.envvar, list | tuple) else [param.envvar]
    name = next((n for n in names if n and os.environ.get(n) == value), names[0])
    byte, at = _undecodable(value) or (0, 0)
    return UsageError(
        f"the environment variable {name} ({_label(param)}) is not valid UTF-8 "
        f"(byte 0x{byte:02X} at position {at})"
    )


def database(url: str | None, what: str) -> str | None:
    """A database URL given with the option ``what``, refused unless SQLAlchemy reads it
    and knows its database (``postgresql://host/db``, ``sqlite:///file``)."""
    if url is None:
        return None
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    from statelink.store.engine import database_url

    try:
        make_url(database_url(url)).get_dialect()
    except (ArgumentError, NoSuchModuleError, ValueError):
        raise UsageError(
            f"{what}: expected a database URL such as postgresql://host/db, given {url[:60]!r}"
        ) from None
    return url
