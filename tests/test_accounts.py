"""Dashboard accounts: hashed passwords, roles, states, and what the CLI checks."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from statelink.accounts import Accounts, demo_accounts, session_secret
from statelink.errors import UsageError
from statelink.web.throttle import LoginThrottle
from tests.conftest import Run

PASSWORD = "correct horse battery"


def test_passwords_are_hashed_and_checked(tmp_path: Path) -> None:
    accounts = Accounts(tmp_path / "accounts.json")
    made = accounts.add("R.Lee", "reviewer", ["wa", "or"], PASSWORD)
    assert (made.name, made.states) == ("r.lee", ("OR", "WA"))
    stored = (tmp_path / "accounts.json").read_text()
    assert PASSWORD not in stored
    assert json.loads(stored)[0]["password"].startswith("scrypt$")
    assert stat.S_IMODE((tmp_path / "accounts.json").stat().st_mode) == 0o600
    assert accounts.verify("r.lee", PASSWORD) == made
    assert accounts.verify("r.lee", "wrong") is None
    assert accounts.verify("nobody", PASSWORD) is None
    assert made.reviews("WA")
    assert not made.reviews("NY")


@pytest.mark.parametrize(
    ("name", "role", "states", "password", "problem"),
    [
        ("bad name!", "viewer", ["WA"], PASSWORD, "account name"),
        ("ok", "root", ["WA"], PASSWORD, "role: expected one of viewer, reviewer, admin"),
        ("ok", "viewer", [], PASSWORD, "give the states"),
        ("ok", "viewer", ["XX"], PASSWORD, "unknown state"),
        ("ok", "viewer", ["WA"], "short", "at least 10 characters"),
    ],
)
def test_bad_accounts_are_refused(
    tmp_path: Path, name: str, role: str, states: list[str], password: str, problem: str
) -> None:
    with pytest.raises(UsageError, match=problem):
        Accounts(tmp_path / "a.json").add(name, role, states, password)


def test_demo_accounts_are_made_once_and_only_where_there_are_none(tmp_path: Path) -> None:
    accounts = Accounts(tmp_path / "accounts.json")
    notes = tmp_path / "demo-accounts.txt"
    first = demo_accounts(accounts, notes)
    assert [(n, r) for n, r, _ in first] == [
        ("reviewer", "reviewer"),
        ("viewer", "viewer"),
        ("admin", "admin"),
    ]
    assert all(accounts.verify(n, p) for n, _, p in first)
    assert demo_accounts(accounts, notes) == first
    own = Accounts(tmp_path / "own.json")
    own.add("r.lee", "reviewer", ["WA"], PASSWORD)
    assert demo_accounts(own, tmp_path / "other.txt") == []


@pytest.mark.parametrize(
    ("role", "reviews", "administers"),
    [("viewer", False, False), ("reviewer", True, False), ("admin", True, True)],
)
def test_what_each_role_may_do(tmp_path: Path, role: str, reviews: bool, administers: bool) -> None:
    made = Accounts(tmp_path / "a.json").add("someone", role, ["WA"], PASSWORD)
    assert (made.sees("WA"), made.reviews("WA"), made.administers("WA")) == (
        True,
        reviews,
        administers,
    )
    assert (made.reviews("NY"), made.administers("NY")) == (False, False)


def test_the_session_key_is_made_once(tmp_path: Path) -> None:
    key = session_secret(tmp_path / "session.key")
    assert len(key) == 32
    assert session_secret(tmp_path / "session.key") == key


def test_the_throttle_locks_a_name_after_five_failures_and_an_address_after_fifty() -> None:
    now = [0.0]
    throttle = LoginThrottle(clock=lambda: now[0])
    for _ in range(4):
        throttle.failed("r.lee", "10.0.0.1")
    assert throttle.wait("r.lee", "10.0.0.1") == 0
    throttle.failed("r.lee", "10.0.0.1")
    assert throttle.wait("r.lee", "10.0.0.9") == 900
    assert throttle.wait("someone", "10.0.0.1") == 0
    for number in range(45):
        throttle.failed(f"user{number}", "10.0.0.1")
    assert throttle.wait("someone", "10.0.0.1") == 900
    now[0] = 901
    assert throttle.wait("r.lee", "10.0.0.1") == 0


def test_accounts_cli(run: Callable[..., Run], tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text(PASSWORD + "\n")
    data = ("--data", str(tmp_path / "data"))
    added = run(
        "accounts",
        "add",
        "r.lee",
        "--role",
        "reviewer",
        "--state",
        "WA",
        "--password-file",
        str(secret),
        "--json",
        *data,
    )
    assert json.loads(added.out) == {"name": "r.lee", "role": "reviewer", "states": ["WA"]}
    listed = json.loads(run("accounts", "list", "--json", *data).out)
    assert listed == [{"name": "r.lee", "role": "reviewer", "states": ["WA"]}]
    assert run("accounts", "remove", "r.lee", *data).code == 0
    assert run("accounts", "remove", "r.lee", *data).code == 1
    no_terminal = run("accounts", "add", "x.y", "--state", "WA", *data)
    assert no_terminal.code == 2
    assert "--password-file" in no_terminal.err
