"""Application logs: named events, personal values withheld, tracebacks without messages."""

from __future__ import annotations

import json

import pytest
import structlog

from statelink import logs

DOB, NAME = "".join(("1980", "0401")), ", ".join(("DOE", "JANE"))
"""Personal values built at run time, so that only a message could carry them (the
source lines a traceback quotes show these names, not the values)."""


def _crash() -> None:
    try:
        int(f"DOB {DOB}")
    except ValueError as e:
        raise RuntimeError(f"no driver {NAME}") from e


@pytest.mark.parametrize("as_json", [False, True], ids=["console", "json"])
def test_a_logged_exception_keeps_its_frames_and_kinds_and_loses_its_messages(
    capsys: pytest.CaptureFixture[str], as_json: bool
) -> None:
    logs.configure(json=as_json)
    try:
        try:
            _crash()
        except RuntimeError as e:
            structlog.get_logger("t").error("step_crashed", state="WA", dob=DOB, exc_info=e)
    finally:
        logs.configure_default()
    written = capsys.readouterr().err
    for personal in (DOB, "DOE", "JANE"):
        assert personal not in written
    assert "builtins.RuntimeError (message withheld)" in written
    assert "builtins.ValueError (message withheld)" in written
    assert "in _crash" in written  # the frame that raised
    if as_json:
        line = json.loads(written.strip().splitlines()[-1])
        assert (line["event"], line["state"], line["dob"]) == ("step_crashed", "WA", "[withheld]")
