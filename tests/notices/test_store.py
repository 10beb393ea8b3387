"""Notices: owed with a due date, closed once (sent or withheld), purged after retention."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from statelink.errors import NotFound, UsageError
from statelink.messages.response import Address
from statelink.notices import Addressee, NoticeStore

HOME = Address(street="1 Main St", city="Olympia", state="WA", zip="98501")
RELEASED = dt.date(2026, 11, 24)  # a Tuesday; Thanksgiving is Thursday the 26th


@pytest.fixture
def store(node_db: Path | str) -> NoticeStore:
    return NoticeStore.open("WA", node_db)


def owe(store: NoticeStore, *who: Addressee, message_id: str = "M1") -> list[int]:
    return store.owe(
        message_id=message_id,
        ori="WAHSI0100",
        agency="HSI Seattle Special Agent in Charge",
        purpose="C",
        addressees=list(who),
        released_on=RELEASED,
        business_days=3,
        holidays=[dt.date(2026, 11, 27)],
    )


def test_a_notice_is_due_in_business_days_and_holds_only_the_letter_s_data(
    store: NoticeStore,
) -> None:
    (nid,) = owe(store, Addressee("driver", "DOE, JANE Q", HOME))
    notice = store.get(nid)
    assert notice.status == "due"
    assert notice.due_on == dt.date(2026, 12, 1)  # Wed, (Thu holiday, Fri state's), Mon, Tue
    stored = set(notice.as_dict())
    assert "dob" not in stored
    assert "oln" not in stored
    assert not notice.overdue(dt.date(2026, 12, 1))
    assert notice.overdue(dt.date(2026, 12, 2))
    assert [n.id for n in store.find("overdue", on=dt.date(2026, 12, 2))] == [nid]
    assert store.find("overdue", on=dt.date(2026, 12, 1)) == []


def test_one_letter_per_person_and_record_kind(store: NoticeStore) -> None:
    people = Addressee.of([])
    assert people == []
    ids = owe(
        store,
        Addressee("vehicle", "DOE, JANE Q", HOME),
        Addressee("driver", "DOE, JANE Q", HOME),
    )
    assert len(ids) == 2
    assert {n.record_kind for n in store.find("due")} == {"driver", "vehicle"}


def test_sent_and_withheld_notices_are_purged_after_retention(store: NoticeStore) -> None:
    a, b, c = owe(
        store,
        Addressee("driver", "A", HOME),
        Addressee("driver", "B", HOME),
        Addressee("driver", "C", HOME),
    )
    on = dt.date(2026, 11, 30)
    store.mark_sent([a], on=on, retention_days=30)
    store.withhold([b], reason="would impede investigation 26-1234", on=on, retention_days=30)
    assert store.get(b).reason == "would impede investigation 26-1234"
    with pytest.raises(UsageError, match="already closed: 1 \\(sent\\)"):
        store.mark_sent([a], on=on, retention_days=30)
    with pytest.raises(UsageError, match="needs a reason"):
        store.withhold([c], reason=" ", on=on, retention_days=30)
    with pytest.raises(NotFound, match="no notice 99"):
        store.mark_sent([99], on=on, retention_days=30)
    assert store.purge(on + dt.timedelta(days=29)) == 0
    assert store.purge(on + dt.timedelta(days=30)) == 2
    assert [n.id for n in store.find()] == [c]  # a due notice is never purged


def test_void_erases_the_notices_of_a_release_that_did_not_happen(store: NoticeStore) -> None:
    ids = owe(store, Addressee("driver", "A", HOME))
    kept = owe(store, Addressee("driver", "B", HOME), message_id="M2")
    store.void(ids)
    assert [n.id for n in store.find()] == kept


def test_unknown_status_is_a_usage_error(store: NoticeStore) -> None:
    with pytest.raises(UsageError, match="expected one of due, overdue"):
        store.find("lost")


def test_a_notice_is_not_closed_before_the_release_it_tells_of(store: NoticeStore) -> None:
    """The demo year's clerks close notices on simulated days: never before the release."""
    (nid,) = owe(store, Addressee("driver", "A", HOME))
    with pytest.raises(UsageError, match="released 2026-11-24"):
        store.mark_sent([nid], on=RELEASED - dt.timedelta(days=1), retention_days=30)
    (sent,) = store.mark_sent([nid], on=RELEASED, retention_days=30)
    assert (sent.status, sent.closed_on) == ("sent", RELEASED)
