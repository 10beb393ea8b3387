"""Application logs: named events, personal values withheld, tracebacks without messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys

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


SERVICE = """
import logging
from statelink import logs

logs.configure_service()
try:
    int("DOB " + "1980" + "0401")
except ValueError:
    logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
logging.getLogger("alembic").info("note %s", "kept")
logging.getLogger("alembic").debug("below the level")
"""


def test_a_service_writes_standard_library_records_as_json_without_messages() -> None:
    """What a service's stderr gets from libraries (uvicorn, alembic): JSON objects, the
    level from STATELINK_LOG_LEVEL, tracebacks without their messages."""
    env = {**os.environ, "STATELINK_LOG_LEVEL": "INFO"}
    done = subprocess.run(
        [sys.executable, "-c", SERVICE], env=env, capture_output=True, text=True, check=True
    )
    lines = [json.loads(line) for line in done.stderr.splitlines()]
    assert [(e["event"], e["logger"], e["level"]) for e in lines] == [
        ("Exception in ASGI application", "uvicorn.error", "error"),
        ("note kept", "alembic", "info"),
    ]
    assert "builtins.ValueError (message withheld)" in lines[0]["exception"]
    assert DOB not in done.stderr


def test_a_service_refuses_a_log_level_it_does_not_know() -> None:
    env = {**os.environ, "STATELINK_LOG_LEVEL": "loud"}
    done = subprocess.run(
        [sys.executable, "-c", SERVICE], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode != 0
    assert "STATELINK_LOG_LEVEL: expected one of debug, info, warning, error; given 'loud'" in (
        done.stderr
    )
