"""Letters fit for residents: a proper salutation, the agency, the dates, what was released,
the legal basis, what the resident can do and the state's contact details; escaped,
printed one to a page, and the same in the mail-merge CSV. The export command reads the
basis from the real audit log of a release."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from statelink.nation import Layout, open_records
from statelink.notices.basis import Basis, Rule
from statelink.notices.letters import (
    CSV_FIELDS,
    Letter,
    export,
    letter_html,
    letters,
    mail_merge_csv,
)
from statelink.notices.names import display_name, salutation
from statelink.notices.store import Notice
from statelink.policy.contact import Contact
from tests.conftest import Run, copy_nation
from tests.test_spreadsheet import HOSTILE

Invoke = Callable[..., Run]
HSI = "WAHSI0100"
MESSAGE = "01A2052E4634C9ECDCE1E6215679B33C"
WRITTEN = dt.date(2026, 12, 2)
NOTICE = Notice(
    id=7,
    message_id=MESSAGE,
    status="due",
    released_on=dt.date(2026, 11, 24),
    due_on=dt.date(2026, 12, 1),
    ori=HSI,
    agency="HSI Seattle Special Agent in Charge",
    purpose="C",
    record_kind="driver",
    name="BAXTER, NATHANIEL COLIN",
    street="1234 NE MAIN ST",
    city="OLYMPIA",
    address_state="WA",
    zip="98501",
    reason="",
    closed_on=None,
    purge_on=None,
)
CONTACT = Contact(
    "WA DOL Privacy Office",
    ("PO Box 9030", "Olympia, WA 98507-9030"),
    "privacy@dol.wa.gov",
    "+1 (360) 902-3900",
    "https://dol.wa.gov/privacy",
)
WARRANT = Basis(
    (
        Rule("cj-access", "Criminal-justice agencies may query for criminal-justice purposes."),
        Rule(
            "warrant-access",
            "A judicial warrant or a court order allows release of the records it covers.",
            "RCW 43.17.425 (example citation)",
        ),
    ),
    mke="DQ",
    reviewed=False,
)


def letter(
    notice: Notice = NOTICE, contact: Contact | None = CONTACT, basis: Basis | None = WARRANT
) -> Letter:
    (made,) = letters(
        "WA", [notice], on=WRITTEN, contact=contact, bases={MESSAGE: basis} if basis else {}
    )
    return made


def text(page: str) -> str:
    """What a reader sees of an HTML letter: its body's text, spaces made one."""
    body = page.split("<body>", 1)[1]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


# --- the salutation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nam", "greeting"),
    [
        ("BAXTER, NATHANIEL COLIN", "Dear Nathaniel Colin Baxter,"),
        ("DOE, JANE Q", "Dear Jane Q Doe,"),
        ("MCDONALD, RONALD", "Dear Ronald McDonald,"),
        ("O'NEIL, SHAQUILLE", "Dear Shaquille O'Neil,"),
        ("D'ANGELO, ANNA", "Dear Anna D'Angelo,"),
        ("SMITH-JONES, MARY-KATE", "Dear Mary-Kate Smith-Jones,"),
        ("O'NEIL-MCDONALD, AL", "Dear Al O'Neil-McDonald,"),
        ("MACK, ANNA", "Dear Anna Mack,"),  # not MAC-capitalised: Mack, Macy
        ("DE LA CRUZ, MARIA", "Dear Maria De La Cruz,"),
        ("SMITH JR, JOHN", "Dear John Smith Jr.,"),
        ("SMITH, JOHN A SR", "Dear John A Smith Sr.,"),
        ("KING, MARTIN LUTHER III", "Dear Martin Luther King III,"),
        ("MÜLLER, JÖRG", "Dear Jörg Müller,"),
        ("DOE,JANE", "Dear Jane Doe,"),
        ("  DOE ,  JANE   Q ", "Dear Jane Q Doe,"),
        ("baxter, nathaniel", "Dear Nathaniel Baxter,"),
        ("ACME LEASING", "Dear Acme Leasing,"),  # an owner with no first name
        ("JR, JOHN", "Dear John Jr,"),  # a last name alone is never a suffix
        ("", "Dear resident,"),
    ],
)
def test_a_salutation_writes_the_name_as_people_do(nam: str, greeting: str) -> None:
    assert salutation(nam) == greeting
    assert display_name(nam) == greeting.removeprefix("Dear ").removesuffix(",").replace(
        "resident", ""
    )


# --- what a letter says ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "said",
    [
        "WA DOL Privacy Office PO Box 9030 Olympia, WA 98507-9030 December 2, 2026",  # from, date
        "Nathaniel Colin Baxter 1234 NE MAIN ST OLYMPIA, WA 98501",  # to
        "Your driver licence record was released to HSI Seattle Special Agent in Charge",
        "Dear Nathaniel Colin Baxter,",
        "On November 24, 2026, we released your driver licence record to HSI Seattle Special "
        "Agent in Charge (agency identifier WAHSI0100), which asked for it for a criminal "
        "investigation.",
        "What was released Your name, address, date of birth, sex, height and eye colour; your "
        "licence number, class, status and restrictions; and the dates your licence was issued "
        "and expires.",
        "Why the law allowed it Criminal-justice agencies may query for criminal-justice "
        "purposes. A judicial warrant or a court order allows release of the records it covers. "
        "Law: RCW 43.17.425 (example citation).",
        "What you can do Ask us at any time which of your records were released, to whom and why",
        "contact us, quoting notice 7.",
        "How to contact us WA DOL Privacy Office, at the address above Email: "
        "privacy@dol.wa.gov Telephone: +1 (360) 902-3900 Web: https://dol.wa.gov/privacy",
        f"Reference: notice 7, message {MESSAGE}. Released on 2026-11-24; letter of 2026-12-02.",
    ],
)
def test_a_letter_says_who_what_when_why_and_how_to_reach_the_state(said: str) -> None:
    assert said in text(letter_html(letter()))


@pytest.mark.parametrize(
    ("notice", "basis", "said", "unsaid"),
    [
        (NOTICE, None, f"recorded in the state's audit log under message {MESSAGE}; ask",
         "Law:"),
        (NOTICE, replace(WARRANT, reviewed=True), "A reviewer of Washington approved this "
         "request case by case before anything was released.", "audit log under"),
        (NOTICE, WARRANT, "Law: RCW", "case by case"),
        (NOTICE, replace(WARRANT, mke="KQ"), "and your driving history (the licence's issues",
         "vehicle"),
        (replace(NOTICE, record_kind="vehicle"), replace(WARRANT, mke="KQ"),
         "The registration of a vehicle in your name: its plate, vehicle identification number "
         "(VIN), make, model, year and colour, and your name and address as its owner.",
         "driving history"),
        (replace(NOTICE, purpose="I"), WARRANT, "which asked for it for civil immigration "
         "enforcement.", "criminal investigation"),
        (replace(NOTICE, purpose="T"), WARRANT, "for a traffic stop or another roadside check.",
         "criminal investigation"),
        (NOTICE, Basis((Rule("order", "A court ordered it", "ORS 1.2"),), "DQ", False),
         "Why the law allowed it A court ordered it. Law: ORS 1.2. What you can do", "Law: RCW"),
    ],
)  # fmt: skip
def test_a_letter_names_the_basis_and_the_record_it_has(
    notice: Notice, basis: Basis | None, said: str, unsaid: str
) -> None:
    shown = text(letter_html(letter(notice, basis=basis)))
    assert said in shown
    assert unsaid not in shown


def test_a_letter_without_contact_details_says_so_plainly() -> None:
    made = letter(contact=None)
    shown = text(letter_html(made))
    assert (
        "How to contact us Washington has not set its contact details for these letters yet, "
        "so we cannot print them here." in shown
    )
    assert shown.startswith("Washington Department of Motor Vehicles December 2, 2026")
    (row,) = csv.DictReader(io.StringIO(mail_merge_csv([made])))
    assert row["contact"] == made.missing_contact
    assert [row[f"contact_{k}"] for k in ("name", "address", "email", "phone", "web")] == [""] * 5


SCRIPT = "<script>alert(1)</script>"


@pytest.mark.parametrize(
    "hostile",
    [SCRIPT, '"><img src=x onerror=alert(1)>', "</title><script>x()</script>", "{{ 7*7 }}"],
)
def test_hostile_values_are_shown_as_text(hostile: str) -> None:
    notice = replace(NOTICE, agency=hostile, name=f"{hostile}, AL", street=hostile, ori=hostile)
    contact = replace(CONTACT, name=hostile, address=(hostile,))
    basis = Basis((Rule("x", hostile, hostile),), mke=hostile, reviewed=False)
    page = letter_html(letter(notice, contact, basis))
    assert "<script" not in page
    assert "<img" not in page
    assert "49" not in page  # not run as a template
    assert html.escape(hostile.split('"')[-1], quote=False) in page
    assert text(page).count(hostile) >= 6  # agency, ORI, street, contact, reason, law
    assert page.count("<article") == 1
    assert "default-src 'none'" in page  # no script would run even if one got in


# --- the mail merge and the files ----------------------------------------------------------


def test_the_mail_merge_has_the_letter_s_words_in_its_columns() -> None:
    written = mail_merge_csv([letter(), letter(contact=None, basis=None)])
    rows = list(csv.DictReader(io.StringIO(written)))
    assert list(rows[0]) == list(CSV_FIELDS)
    assert {k: rows[0][k] for k in CSV_FIELDS[:13]} == {
        "notice_id": "7",
        "name": "BAXTER, NATHANIEL COLIN",
        "street": "1234 NE MAIN ST",
        "city": "OLYMPIA",
        "state": "WA",
        "zip": "98501",
        "record": "driver licence record",
        "agency": "HSI Seattle Special Agent in Charge",
        "agency_ori": HSI,
        "purpose": "criminal investigation",
        "released_on": "2026-11-24",
        "due_on": "2026-12-01",
        "reference": MESSAGE,
    }
    assert {k: rows[0][k] for k in CSV_FIELDS[13:]} == {
        "salutation": "Dear Nathaniel Colin Baxter,",
        "addressee": "Nathaniel Colin Baxter",
        "letter_date": "2026-12-02",
        "released": letter().released,
        "legal_basis": "Criminal-justice agencies may query for criminal-justice purposes. A "
        "judicial warrant or a court order allows release of the records it covers. Law: RCW "
        "43.17.425 (example citation).",
        "contact": "WA DOL Privacy Office; PO Box 9030, Olympia, WA 98507-9030; "
        "privacy@dol.wa.gov; +1 (360) 902-3900; https://dol.wa.gov/privacy",
        "contact_name": "WA DOL Privacy Office",
        "contact_address": "PO Box 9030, Olympia, WA 98507-9030",
        "contact_email": "privacy@dol.wa.gov",
        "contact_phone": "'+1 (360) 902-3900",  # a leading + is a formula to a spreadsheet
        "contact_web": "https://dol.wa.gov/privacy",
    }
    assert rows[1]["legal_basis"].startswith("The rule under which it was released is recorded")


@pytest.mark.parametrize("hostile", HOSTILE)
def test_the_mail_merge_neutralises_formulas(hostile: str) -> None:
    notice = replace(NOTICE, agency=hostile, name=hostile, street=hostile)
    contact = replace(CONTACT, name=hostile, address=(hostile,))
    (row,) = csv.DictReader(io.StringIO(mail_merge_csv([letter(notice, contact)])))
    assert (row["agency"], row["name"], row["street"]) == (f"'{hostile}",) * 3
    assert (row["contact_name"], row["contact_address"]) == (f"'{hostile}",) * 2
    assert row["notice_id"] == "7"  # a number stays a number


def test_export_writes_each_letter_all_of_them_and_the_mail_merge(tmp_path: Path) -> None:
    made = letters("WA", [NOTICE, replace(NOTICE, id=8)], on=WRITTEN, contact=CONTACT)
    written = export(tmp_path / "letters", made)
    assert [p.name for p in written] == [
        "notice-7.html",
        "notice-8.html",
        "letters.html",
        "mail-merge.csv",
    ]
    together = (tmp_path / "letters" / "letters.html").read_text(encoding="utf-8")
    assert together.count('<article class="letter">') == 2
    assert "<title>2 notices</title>" in together
    assert len((tmp_path / "letters" / "mail-merge.csv").read_text().splitlines()) == 3


# --- the command, over a real release -------------------------------------------------------


@pytest.fixture
def own(layout: Layout, tmp_path: Path) -> Layout:
    return copy_nation(layout, tmp_path / "nation")


def test_the_export_reads_the_basis_from_the_audit_log_and_warns_once_without_contact(
    run: Invoke, own: Layout, tmp_path: Path
) -> None:
    data = ("--data", str(own.root))
    records = open_records(own, "WA")
    oln = records.list_drivers(1)[0].oln
    records.close()
    sent = run(
        "query", f"DQ.{HSI}.WA.OLN/{oln}.PUR/C.WKD/judicial.WID/25-MJ-00123.WCT/WDWASH.",
        "--json", *data,
    )  # fmt: skip
    assert json.loads(sent.out)["summary"] == {"WA": "HIT"}
    (notice,) = json.loads(run("notices", "list", "--state", "WA", "--json", *data).out)
    folder = tmp_path / "letters"

    unset = run("notices", "export", "--state", "WA", "--out", str(folder), "--json", *data)
    assert unset.code == 0
    assert unset.err.count("warning:") == 1
    assert "WA has not set its contact details" in unset.err
    assert json.loads(unset.out)["contact"] is False
    shown = text((folder / f"notice-{notice['id']}.html").read_text(encoding="utf-8"))
    assert "Washington has not set its contact details for these letters yet" in shown
    assert (
        "A judicial warrant or a court order allows release of the records it covers. Law: "
        in shown
    )
    assert "Criminal-justice agencies may query for criminal-justice purposes." in shown

    run(
        "settings", "contact", "--state", "WA", "--name", "WA DOL Privacy Office",
        "--address", "PO Box 9030", "--email", "privacy@dol.wa.gov", *data,
    )  # fmt: skip
    done = run("notices", "export", "--state", "WA", "--out", str(folder), *data)
    assert (done.code, done.err) == (0, "")
    assert "letters.html (all of them, to print) and mail-merge.csv written" in done.out
    shown = text((folder / f"notice-{notice['id']}.html").read_text(encoding="utf-8"))
    assert shown.startswith("WA DOL Privacy Office PO Box 9030 ")
    assert "How to contact us WA DOL Privacy Office, at the address above Email: " in shown
    assert "has not set" not in shown


def test_a_release_after_review_says_a_reviewer_approved_it(run: Invoke, own: Layout) -> None:
    data = ("--data", str(own.root))
    records = open_records(own, "WA")
    oln = records.list_drivers(1)[0].oln
    records.close()
    held = run("query", f"DQ.{HSI}.WA.OLN/{oln}.PUR/C.OFF/6499.CAS/26-0042.", "--json", *data)
    message_id = json.loads(held.out)["message_id"]
    run(
        "review", "approve", message_id, "--state", "WA", "--reviewer", "r.lee",
        "--note", "trafficking case 26-0042", *data,
    )  # fmt: skip
    fetched = run("query", "--fetch", message_id, "--ori", HSI, "--json", *data)
    assert json.loads(fetched.out)["answers"][0]["status"] == "HIT"
    folder = own.root / "letters"
    assert run("notices", "export", "--state", "WA", "--out", str(folder), *data).code == 0
    shown = text((folder / "letters.html").read_text(encoding="utf-8"))
    assert "A reviewer of Washington approved this request case by case" in shown
    assert "Criminal-justice agencies may query for criminal-justice purposes." in shown
