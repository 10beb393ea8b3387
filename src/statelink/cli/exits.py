"""How a command ends: its exit code and, when it fails, one line on stderr.

Exit codes: 0 success, 1 a failed check or refusal, 2 bad usage or invalid input, 130
interrupted (Ctrl-C). A failure prints exactly one line, ``error: <what is wrong>``, and
never a traceback: the user's own words in it (a value, a path) are shown with control
characters and undecodable bytes escaped, so a hostile argument cannot break the line
in two or drive the terminal. A bug (an exception statelink did not mean to raise) is
one line too, saying so; ``python -X dev -m statelink ...`` shows its traceback instead.
"""

from __future__ import annotations

import io
import sys
import traceback
import unicodedata
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from statelink.errors import StatelinkError

if TYPE_CHECKING:
    from pydantic import ValidationError


class ExitCode(IntEnum):
    """What a ``statelink`` command's exit status means (the CLI's contract)."""

    OK = 0
    FAILED = 1  # a failed check or a refusal
    USAGE = 2  # bad usage or invalid input
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT)


MAX_LINE = 2000
"""Characters of an error line at most (an argument of a megabyte is not echoed whole)."""

_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
"""Control and format characters, surrogates and line or paragraph separators."""


def one_line(text: str, limit: int = MAX_LINE) -> str:
    """``text`` as one printable line: control characters, line separators and the lone
    surrogates that stand for undecodable bytes (``\\udcff`` for the byte 0xFF) are
    escaped as ``\\n``, ``\\x1b``, ``\\xff``...; beyond ``limit`` characters it is cut."""
    out: list[str] = []
    size = 0
    for n, char in enumerate(text):
        shown = _escape(char) if unicodedata.category(char) in _ESCAPED_CATEGORIES else char
        if size + len(shown) > limit:
            return "".join(out) + f"… ({len(text) - n:,} more characters)"
        out.append(shown)
        size += len(shown)
    return "".join(out)


def _escape(char: str) -> str:
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char)
    if named:
        return named
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def tolerant_streams() -> None:
    """Make stdout and stderr unable to fail on what they print: a character the
    encoding cannot carry (a path's undecodable byte) is written as an escape."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")


def fail(message: str, code: int) -> int:
    """Print ``error: message`` as one line on stderr; return ``code``."""
    sys.stderr.write(f"error: {one_line(message)}\n")
    sys.stderr.flush()
    return code


def interrupted() -> int:
    sys.stderr.write("interrupted\n")
    sys.stderr.flush()
    return ExitCode.INTERRUPTED


def usage_failed(error: typer.TyperException) -> int:
    """A usage error that the command-line parser found (click's, inside typer): one line
    with a hint to the command's ``--help``."""
    if type(error).__name__ == "NoArgsIsHelpError":  # the help was printed: that is all
        return ExitCode.USAGE
    message = error.format_message().strip().rstrip(".")
    if message[:1].isupper() and message[1:2].islower():
        message = message[0].lower() + message[1:]  # "No such option" → "no such option"
    context = getattr(error, "ctx", None)
    path = getattr(context, "command_path", "")
    hint = f"; run '{path} --help'" if error.exit_code == ExitCode.USAGE and path else ""
    return fail(f"{one_line(message, MAX_LINE - len(hint))}{hint}", error.exit_code)


def statelink_failed(error: StatelinkError) -> int:
    return fail(error.message, error.exit_code)


def undecodable(error: UnicodeDecodeError) -> int:
    """Text that is not UTF-8, read by code that could not say from where."""
    bad = error.object[error.start : error.start + 1].hex().upper()
    return fail(
        f"an input is not valid UTF-8 (byte 0x{bad} at position {error.start})", ExitCode.USAGE
    )


def validation_error(error: BaseException) -> ValidationError | None:
    """``error`` if it is pydantic's ValidationError. Without importing pydantic: if no
    module has imported it, nothing can have raised one."""
    core = sys.modules.get("pydantic_core")
    if core is not None and isinstance(error, core.ValidationError):
        found: ValidationError = error
        return found
    return None


def invalid(error: ValidationError) -> int:
    """Data read from a file that does not have the shape it should (its first problem)."""
    first = error.errors()[0] if error.error_count() else None
    where = ".".join(str(p) for p in first["loc"]) if first else ""
    what = f"{where}: {first['msg']}" if first else str(error.title)
    return fail(f"invalid {error.title}: {what}", ExitCode.USAGE)


def bug(error: BaseException) -> int:
    """An exception statelink did not mean to raise: one line that says so, with its kind
    and where it was raised, but not its message (it may quote personal data, as in
    :mod:`statelink.logs`)."""
    where = ""
    frames = traceback.extract_tb(error.__traceback__)
    if frames:
        last = frames[-1]
        where = f" at {Path(last.filename).name} line {last.lineno}"
    return fail(
        f"statelink failed unexpectedly ({type(error).__name__}{where}); please report it "
        "(python -X dev -m statelink ... shows the traceback)",
        ExitCode.FAILED,
    )
