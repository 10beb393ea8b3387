"""The dashboard's session store: ids kept as hashes, absolute expiry, ending one session
or all of an account's, shared by two stores on one file (the dashboard and the CLI);
and the account changes that end sessions."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from statelink.accounts import Accounts
from statelink.errors import NotFound, UsageError
from statelink.sessions import SEEN_EVERY, SESSION_HOURS, SessionStore

PASSWORD = "correct horse battery"
START = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
HOURS = dt.timedelta(hours=SESSION_HOURS)
SECOND = dt.timedelta(seconds=1)
AT_ONCE = dt.timedelta(0)


@dataclass
class Clock:
    now: dt.datetime = START

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, by: dt.timedelta) -> None:
        self.now += by


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> Iterator[SessionStore]:
    with SessionStore.open(tmp_path / "sessions.sqlite", clock=clock) as opened:
        yield opened


def rows(path: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT id_sha256, account FROM dashboard_session").fetchall()


@dataclass(frozen=True)
class Signed:
    """Two sessions of r.lee (``mine`` and ``other``) and one of a.kim."""

    mine: str
    other: str
    kims: str


Step = Callable[[SessionStore, Signed], object]


@pytest.mark.parametrize(
    ("step", "later", "mine", "other", "kims"),
    [
        pytest.param(lambda s, _: None, AT_ONCE, True, True, True, id="untouched"),
        pytest.param(lambda s, _: None, HOURS - SECOND, True, True, True, id="last second"),
        pytest.param(lambda s, _: None, HOURS, False, False, False, id="expired"),
        pytest.param(lambda s, i: s.end(i.mine), AT_ONCE, False, True, True, id="signed out"),
        pytest.param(lambda s, _: s.end_all("r.lee"), AT_ONCE, False, False, True, id="r.lee's"),
        pytest.param(lambda s, _: s.end_all("nobody"), AT_ONCE, True, True, True, id="nobody's"),
        pytest.param(lambda s, _: s.end("never-given"), AT_ONCE, True, True, True, id="unknown"),
    ],
)
def test_which_sessions_stay_live(
    store: SessionStore,
    clock: Clock,
    step: Step,
    later: dt.timedelta,
    mine: bool,
    other: bool,
    kims: bool,
) -> None:
    signed = Signed(store.start("r.lee"), store.start("r.lee"), store.start("a.kim"))
    step(store, signed)
    clock.advance(later)
    found = [store.find(i) for i in (signed.mine, signed.other, signed.kims)]
    assert [f is not None for f in found] == [mine, other, kims]
    assert [f.account for f in found if f] == [
        a for a, live in zip(("r.lee", "r.lee", "a.kim"), (mine, other, kims), strict=True) if live
    ]


@pytest.mark.parametrize(
    "given",
    ["", "x", "x" * 43, "x" * 500, "статус"],
    ids=["empty", "short", "never given", "too long", "not ascii"],
)
def test_an_id_the_store_never_gave_opens_nothing(store: SessionStore, given: str) -> None:
    store.start("r.lee")
    assert store.find(given) is None


def test_only_the_id_s_hash_is_kept_in_an_owner_only_file(
    store: SessionStore, tmp_path: Path
) -> None:
    path = tmp_path / "sessions.sqlite"
    first, second = store.start("r.lee"), store.start("r.lee")
    assert first != second  # every sign-in a new id
    assert len(first) == 43  # 32 random bytes, base64url
    assert sorted(rows(path)) == sorted(
        (hashlib.sha256(i.encode()).hexdigest(), "r.lee") for i in (first, second)
    )
    assert first.encode() not in path.read_bytes()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_an_expired_session_is_deleted_and_a_sign_in_clears_out_the_rest(
    store: SessionStore, clock: Clock, tmp_path: Path
) -> None:
    path = tmp_path / "sessions.sqlite"
    old, other = store.start("r.lee"), store.start("a.kim")
    clock.advance(HOURS)
    assert store.find(old) is None
    assert [a for _, a in rows(path)] == ["a.kim"]
    fresh = store.start("r.lee")
    assert rows(path) == [(hashlib.sha256(fresh.encode()).hexdigest(), "r.lee")]
    assert store.find(other) is None


def test_times_and_last_seen_written_at_most_once_a_minute(
    store: SessionStore, clock: Clock
) -> None:
    made = store.start("r.lee")
    clock.advance(SEEN_EVERY - SECOND)
    soon = store.find(made)
    assert soon is not None
    assert (soon.created, soon.last_seen, soon.expires) == (START, START, START + HOURS)
    clock.advance(SECOND)
    later = store.find(made)
    assert later is not None
    assert later.last_seen == START + SEEN_EVERY
    assert later.expires == START + HOURS  # an absolute end, however busy


def test_two_stores_on_one_file_share_sessions(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "data" / "sessions.sqlite"
    with SessionStore.open(path, clock=clock) as dashboard, SessionStore.open(path) as cli:
        made = dashboard.start("r.lee")
        assert dashboard.find(made) is not None
        assert cli.end_all("r.lee") == 1
        assert dashboard.find(made) is None


# --- the account changes that end sessions --------------------------------------------


Change = Callable[[Accounts], object]


@pytest.mark.parametrize(
    ("change", "ended"),
    [
        pytest.param(lambda a: a.passwd("r.lee", "another long one"), ["r.lee"], id="passwd"),
        pytest.param(lambda a: a.passwd("R.Lee ", "another long one"), ["r.lee"], id="as typed"),
        pytest.param(lambda a: a.remove("r.lee"), ["r.lee"], id="remove"),
        pytest.param(
            lambda a: a.add("r.lee", "viewer", ["WA"], PASSWORD), ["r.lee"], id="add replaces"
        ),
        pytest.param(lambda a: a.add("new.one", "viewer", ["WA"], PASSWORD), [], id="add new"),
        pytest.param(lambda a: a.passwd("a.kim", "another long one"), ["a.kim"], id="another"),
    ],
)
def test_account_changes_that_end_sessions(
    tmp_path: Path, store: SessionStore, change: Change, ended: list[str]
) -> None:
    accounts = Accounts(tmp_path / "accounts.json", store)
    for name in ("r.lee", "a.kim"):
        accounts.add(name, "reviewer", ["WA"], PASSWORD)
    signed = {name: store.start(name) for name in ("r.lee", "a.kim")}
    change(accounts)
    assert sorted(n for n, i in signed.items() if store.find(i) is None) == ended


def test_a_password_change_takes_the_new_password_and_checks_it(
    tmp_path: Path, store: SessionStore
) -> None:
    accounts = Accounts(tmp_path / "accounts.json", store)
    made = accounts.add("r.lee", "reviewer", ["WA", "OR"], PASSWORD)
    changed = accounts.passwd("r.lee", "another long one")
    assert (changed.role, changed.states) == (made.role, made.states)
    assert accounts.verify("r.lee", PASSWORD) is None
    assert accounts.verify("r.lee", "another long one") == changed
    with pytest.raises(UsageError, match="at least 10 characters"):
        accounts.passwd("r.lee", "short")
    with pytest.raises(NotFound, match="no account 'nobody'"):
        accounts.passwd("nobody", "another long one")
    assert accounts.verify("r.lee", "another long one") == changed
