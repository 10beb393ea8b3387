"""A real PostgreSQL for the tests: started if it is not running, one fresh database per use.

The server is the machine's own (``STATELINK_TEST_POSTGRES``, default
``postgresql://postgres@127.0.0.1:5432/postgres``). If it does not answer, the tests
start it with ``pg_ctlcluster``; if it still does not answer, they fail (never skip).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import psycopg
import pytest

ADMIN_URL = os.environ.get(
    "STATELINK_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)
_started = False


def _answers() -> bool:
    try:
        with psycopg.connect(ADMIN_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.OperationalError:
        return False


def _start() -> str:
    """Start the machine's PostgreSQL cluster(s); what the command said."""
    clusters = (
        sorted(p.name for p in Path("/etc/postgresql").glob("*"))
        if Path("/etc/postgresql").is_dir()
        else []
    )
    if not clusters or shutil.which("pg_ctlcluster") is None:
        return "no PostgreSQL cluster found under /etc/postgresql (apt-get install postgresql)"
    said = []
    for version in clusters:
        done = subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
            capture_output=True,
            text=True,
            check=False,
        )
        said.append(
            f"pg_ctlcluster {version} main start: rc {done.returncode} {done.stderr.strip()}"
        )
    return "; ".join(said)


def require_server() -> None:
    global _started
    if _started or _answers():
        _started = True
        return
    said = _start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if _answers():
            _started = True
            return
        time.sleep(0.5)
    pytest.fail(f"PostgreSQL does not answer at {ADMIN_URL} and could not be started ({said})")


def fresh_database(prefix: str = "statelink_test") -> str:
    """A new empty database; its URL (plain postgresql://, as a user would give it)."""
    require_server()
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def drop_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
