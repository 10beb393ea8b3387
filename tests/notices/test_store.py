"""Notices: owed with a due date, closed once (sent or withheld), purged after retention."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest

from statelink.errors import NotFound, UsageError
from statelink.messages.response import Address
from statelink.notices import Addressee, NoticeStore
from statelink.notices.letters import export, letter_html, mail_merge_csv
from tests.test_spreadsheet import HOSTILE

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


def test_letters_escape_values_and_the_csv_has_one_row_per_notice(
    store: NoticeStore, tmp_path: Path
) -> None:
    owe(store, Addressee("driver", "<b>O'NEIL</b>, AL", HOME))
    owe(store, Addressee("vehicle", "ROE, RICK", HOME), message_id="M2")
    notices = store.find()
    html = letter_html("WA", notices[0])
    assert "&lt;b&gt;O&#x27;NEIL&lt;/b&gt;" in html
    assert "<b>O'NEIL" not in html
    assert "Washington Department of Motor Vehicles" in html
    assert "HSI Seattle Special Agent in Charge" in html
    assert "November 24, 2026" in html
    assert "driver licence record" in html
    lines = mail_merge_csv(notices).splitlines()
    assert lines[0].startswith("notice_id,name,street,city,state,zip,record,agency")
    assert len(lines) == 3
    written = export("WA", notices, tmp_path / "letters")
    assert sorted(p.name for p in written) == ["mail-merge.csv", "notice-1.html", "notice-2.html"]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_the_mail_merge_neutralises_formulas(store: NoticeStore, hostile: str) -> None:
    store.owe(
        message_id="M1",
        ori="WAHSI0100",
        agency=hostile,
        purpose="C",
        addressees=[Addressee("driver", hostile, HOME.model_copy(update={"street": hostile}))],
        released_on=RELEASED,
        business_days=3,
        holidays=[],
    )
    (row,) = csv.DictReader(io.StringIO(mail_merge_csv(store.find())))
    assert (row["agency"], row["name"], row["street"]) == (f"'{hostile}",) * 3
    assert row["notice_id"] == "1"  # a number stays a number
    assert row["city"] == "Olympia"
