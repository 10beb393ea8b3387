"""A state's settings: serious-crime ranges, certifications, notice groups, numbers,
holidays and contact details, each checked (a table of good and bad values each)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from statelink.errors import NotFound, UsageError
from statelink.policy.contact import Contact
from statelink.policy.limits import NUMBERS
from statelink.policy.settings import (
    DEFAULT_SERIOUS_CRIME,
    FIRST_TABLES,
    StateSettings,
    parse_ranges,
)
from statelink.policy.settings import metadata as settings_tables
from statelink.store.migration import current, head

TODAY = dt.date(2026, 11, 22)


@pytest.fixture
def settings(node_db: Path | str) -> StateSettings:
    return StateSettings.open("WA", node_db)


def test_defaults_are_the_contract_serious_crime_list(settings: StateSettings) -> None:
    assert [(a, b) for a, b, _ in settings.serious_crime()] == [
        (a, b) for a, b, _ in DEFAULT_SERIOUS_CRIME
    ]
    snapshot = settings.snapshot()
    assert snapshot.is_serious("0911")
    assert snapshot.is_serious("6499")
    assert not snapshot.is_serious("2399")
    assert not snapshot.is_serious("")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (["0900-0999"], [("0900", "0999")]),
        (["6411", "1000-1099,0900-0999"], [("0900", "0999"), ("1000", "1099"), ("6411", "6411")]),
    ],
)
def test_ranges_parse(given: list[str], expected: list[tuple[str, str]]) -> None:
    assert parse_ranges(given) == expected


@pytest.mark.parametrize("bad", [["99"], ["0999-0900"], ["abc"], []])
def test_bad_ranges_are_refused(bad: list[str]) -> None:
    with pytest.raises(UsageError):
        parse_ranges(bad)


def test_state_can_change_its_serious_crime_list(settings: StateSettings) -> None:
    settings.set_serious_crime([("3500", "3599")])
    snapshot = settings.snapshot()
    assert snapshot.is_serious("3562")
    assert not snapshot.is_serious("0911")


def test_certifications_current_lapsed_revoked(settings: StateSettings) -> None:
    settings.add_certification(
        "ny0303000",
        TODAY - dt.timedelta(days=300),
        TODAY + dt.timedelta(days=65),
        document="WA-DSA-1",
        signer="Chief",
    )
    settings.add_certification(
        "TXHPD0000", TODAY - dt.timedelta(days=365), TODAY - dt.timedelta(days=1)
    )
    settings.add_certification(
        "WAICE0100", TODAY - dt.timedelta(days=10), TODAY + dt.timedelta(days=20)
    )
    snapshot = settings.snapshot()
    assert snapshot.is_certified("NY0303000", TODAY)
    assert not snapshot.is_certified("TXHPD0000", TODAY)  # lapsed yesterday
    assert snapshot.is_certified("TXHPD0000", TODAY - dt.timedelta(days=1))
    assert [c.ori for c in settings.expiring(TODAY, 30)] == ["WAICE0100"]
    revoked_at = dt.datetime.combine(TODAY, dt.time(9))
    assert settings.revoke("WAICE0100", "violated the agreement", at=revoked_at) == 1
    assert not settings.snapshot().is_certified("WAICE0100", TODAY)
    assert settings.snapshot().is_certified("WAICE0100", TODAY - dt.timedelta(days=1))
    (revoked,) = settings.certifications("WAICE0100")
    assert revoked.revoked_reason == "violated the agreement"
    with pytest.raises(NotFound):
        settings.revoke("WAICE0100", "again")
    with pytest.raises(UsageError):
        settings.add_certification("WA1", TODAY, TODAY)
    with pytest.raises(UsageError):
        settings.add_certification("WAICE0100", TODAY, TODAY - dt.timedelta(days=1))


def test_notice_groups(settings: StateSettings) -> None:
    settings.set_notice_groups(["Immigration-Enforcement", " dhs ", ""])
    assert settings.notice_groups() == ["dhs", "immigration-enforcement"]
    assert settings.snapshot().notice_groups == {"dhs", "immigration-enforcement"}
    settings.set_notice_groups([])
    assert settings.notice_groups() == []


# --- every setting is checked: a table of good and bad values each ---------------------------

KNOWN = frozenset({"dhs", "federal", "immigration-enforcement", "local-law-enforcement"})
"""Groups the agencies of a directory carry."""


@pytest.fixture
def one_file(tmp_path: Path) -> StateSettings:
    """Settings in a SQLite file (the checks come before any database)."""
    return StateSettings.open("WA", tmp_path / "node.sqlite")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("review_hours", 1),
        ("review_hours", 72),
        ("review_hours", 720),
        ("notice_days", 1),
        ("notice_days", 60),
        ("notice_retention_days", 1),
        ("notice_retention_days", 365),
    ],
)
def test_a_number_within_its_range_is_kept(one_file: StateSettings, name: str, value: int) -> None:
    one_file.set_number(name, value)
    assert one_file.number(name) == value


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "review_hours",
            0,
            "review_hours: expected a whole number of hours from 1 to 720, given 0",
        ),
        ("review_hours", 721, "review_hours: expected a whole number of hours from 1 to 720"),
        ("review_hours", -5, "given -5"),
        ("notice_days", 0, "notice_days: expected a whole number of business days from 1 to 60"),
        ("notice_days", 61, "from 1 to 60, given 61"),
        ("notice_retention_days", 0, "notice_retention_days: expected a whole number of days"),
        ("notice_retention_days", 366, "from 1 to 365, given 366"),
        ("review_hours", True, "given True"),
        ("sleep_hours", 8, "unknown setting 'sleep_hours': one of review_hours, notice_days"),
    ],
)
def test_a_number_outside_its_range_is_refused_and_nothing_changes(
    one_file: StateSettings, name: str, value: int, message: str
) -> None:
    with pytest.raises(UsageError, match=re.escape(message)):
        one_file.set_number(name, value)
    assert {n: one_file.number(n) for n in NUMBERS} == {n: v.default for n, v in NUMBERS.items()}


@pytest.mark.parametrize(
    ("given", "known", "kept"),
    [
        (["immigration-enforcement"], KNOWN, ["immigration-enforcement"]),
        (
            [" DHS ", "Immigration-Enforcement", "", "dhs"],
            KNOWN,
            ["dhs", "immigration-enforcement"],
        ),
        ([], KNOWN, []),  # no group: the state owes no notices, and says so
        (["dhs"], None, ["dhs"]),  # provisioning from a template: the form only
    ],
)
def test_notice_groups_of_the_directory_are_kept(
    one_file: StateSettings, given: list[str], known: frozenset[str] | None, kept: list[str]
) -> None:
    one_file.set_notice_groups(given, known=known)
    assert one_file.notice_groups() == kept


@pytest.mark.parametrize(
    ("given", "known", "message"),
    [
        (
            ["nosuchgroup"],
            KNOWN,
            "notice groups: expected groups that agencies of the directory carry (dhs, federal, "
            "immigration-enforcement, local-law-enforcement), given 'nosuchgroup'",
        ),
        (["immigration-enforcment"], KNOWN, "(did you mean immigration-enforcement?)"),
        (["dhs", "ice", "cbp"], KNOWN, "given 'cbp', 'ice'"),
        (["dhs"], frozenset(), "a group of the directory, which has none, given 'dhs'"),
        (
            ["Bad Group!"],
            None,
            "group names of lowercase letters, digits and -, given 'bad group!'",
        ),
        (["-x"], KNOWN, "given '-x'"),
    ],
)
def test_notice_groups_not_in_the_directory_are_refused_and_nothing_changes(
    one_file: StateSettings, given: list[str], known: frozenset[str] | None, message: str
) -> None:
    one_file.set_notice_groups(["immigration-enforcement"], known=KNOWN)
    with pytest.raises(UsageError, match=re.escape(message)):
        one_file.set_notice_groups(given, known=known)
    assert one_file.notice_groups() == ["immigration-enforcement"]


def test_a_long_list_of_groups_is_cut_in_the_error_line(one_file: StateSettings) -> None:
    many = {f"group-{i:02d}" for i in range(30)}
    with pytest.raises(
        UsageError, match=re.escape("group-19 and 10 more), given 'nosuchgroup'")
    ) as refused:
        one_file.set_notice_groups(["nosuchgroup"], known=many)
    assert "group-20" not in refused.value.message


@pytest.mark.parametrize(
    "ranges",
    [[("0900", "0999")], [("6411", "6411")], [("1000", "1099"), ("0900", "0999")]],
)
def test_serious_crime_ranges_of_ncic_codes_are_kept(
    one_file: StateSettings, ranges: list[tuple[str, str]]
) -> None:
    one_file.set_serious_crime(ranges)
    assert [(a, b) for a, b, _ in one_file.serious_crime()] == sorted(ranges)


@pytest.mark.parametrize(
    ("ranges", "message"),
    [
        ([("0999", "0900")], "serious-crime range: expected NNNN or NNNN-NNNN (4-digit NCIC "
         "offense codes, low to high), given '0999-0900'"),
        ([("99", "0999")], "given '99-0999'"),
        ([("abcd", "abcd")], "given 'abcd'"),
        ([], "give at least one serious-crime range"),
    ],
)  # fmt: skip
def test_bad_serious_crime_ranges_are_refused_and_nothing_changes(
    one_file: StateSettings, ranges: list[tuple[str, str]], message: str
) -> None:
    with pytest.raises(UsageError, match=re.escape(message)):
        one_file.set_serious_crime(ranges)
    assert [(a, b) for a, b, _ in one_file.serious_crime()] == [
        (a, b) for a, b, _ in DEFAULT_SERIOUS_CRIME
    ]


@pytest.mark.parametrize(
    ("day", "name", "kept"),
    [
        (dt.date(2026, 11, 27), "Native American Heritage Day", "Native American Heritage Day"),
        (dt.date(2026, 12, 24), "", ""),
        (dt.date(2026, 12, 31), "  New Year's   Eve ", "New Year's Eve"),
        (dt.date(2000, 1, 3), "first allowed year", "first allowed year"),
        (dt.date(2036, 12, 31), "ten years ahead", "ten years ahead"),
        (dt.date(2026, 3, 31), "x" * 80, "x" * 80),
    ],
)
def test_a_state_holiday_on_a_weekday_is_kept(
    one_file: StateSettings, day: dt.date, name: str, kept: str
) -> None:
    one_file.add_holiday(day, name, today=TODAY)
    assert one_file.holidays() == [(day, kept)]


@pytest.mark.parametrize(
    ("day", "name", "message"),
    [
        (dt.date(2026, 11, 28), "", "holiday: expected a weekday (business days skip weekends "
         "already: give the day the state observes it on), given 2026-11-28 (a Saturday)"),
        (dt.date(2026, 11, 29), "", "given 2026-11-29 (a Sunday)"),
        (dt.date(1999, 12, 31), "", "holiday: expected a day from 2000-01-01 to 2036-12-31, "
         "given 1999-12-31"),
        (dt.date(2037, 1, 2), "", "given 2037-01-02"),
        (dt.date(2026, 11, 27), "x" * 81, "holiday name: expected at most 80 printable "
         "characters"),
        (dt.date(2026, 11, 27), "Day\nafter", "given 'Day\\nafter'"),
    ],
)  # fmt: skip
def test_a_state_holiday_that_cannot_count_is_refused(
    one_file: StateSettings, day: dt.date, name: str, message: str
) -> None:
    with pytest.raises(UsageError, match=re.escape(message)):
        one_file.add_holiday(day, name, today=TODAY)
    assert one_file.holidays() == []


# --- the contact details letters give ---------------------------------------------------------

WA_DOL = Contact(
    "WA DOL Privacy Office",
    ("PO Box 9030", "Olympia, WA 98507-9030"),
    "privacy@dol.wa.gov",
    "+1 (360) 902-3900",
    "https://dol.wa.gov/privacy",
)
LONGEST = Contact(
    "N" * 120,
    tuple(f"{n}" * 100 for n in range(5)),
    "a" * 64 + "@" + "b" * 185 + ".gov",
    "(1) (2) (3) (4) (5) (6) (7) (8) (9) (10)",  # 40 characters, 11 digits
    "https://dol.wa.gov/" + "p" * 181,
)


def test_a_state_without_contact_details_says_so(settings: StateSettings) -> None:
    assert settings.contact() is None
    assert settings.clear_contact() is False


@pytest.mark.parametrize(
    "details", [WA_DOL, LONGEST, Contact("Privacy Office", web="https://x.gov")]
)
def test_contact_details_are_kept_whole_in_either_database(
    settings: StateSettings, details: Contact
) -> None:
    assert settings.set_contact(details) == details
    assert settings.contact() == details
    assert settings.clear_contact() is True
    assert settings.contact() is None


@pytest.mark.parametrize(
    ("details", "kept"),
    [
        (
            Contact(" WA  DOL\tPrivacy Office ", (" PO Box 9030 ", "", " "), phone=" 360 902 3900"),
            Contact("WA DOL Privacy Office", ("PO Box 9030",), phone="360 902 3900"),
        ),
        (Contact("O", email=" privacy@dol.wa.gov "), Contact("O", email="privacy@dol.wa.gov")),
        (Contact("O", phone="(360) 902-3900 x12"), Contact("O", phone="(360) 902-3900 x12")),
        (Contact("O", phone="+44 20 7946 0958"), Contact("O", phone="+44 20 7946 0958")),
    ],
)  # fmt: skip
def test_contact_details_are_tidied(
    one_file: StateSettings, details: Contact, kept: Contact
) -> None:
    assert one_file.set_contact(details) == kept
    assert one_file.contact() == kept


@pytest.mark.parametrize(
    ("details", "message"),
    [
        (Contact("", email="a@b.gov"), "contact name: expected whom residents write to, 1 to 120 "
         "printable characters, given ''"),
        (Contact("N" * 121, email="a@b.gov"), "contact name: expected"),
        (Contact("Office\nTwo", email="a@b.gov"), "given 'Office\\nTwo'"),
        (Contact("Office"), "contact: give at least one way to reach 'Office': an address, an "
         "email, a phone or a web page"),
        (Contact("Office", ("",)), "contact: give at least one way"),
        (Contact("Office", tuple("123456")), "contact address: expected at most 5 lines, given "
         "6 lines"),
        (Contact("Office", ("x" * 101,)), "contact address: expected lines of at most 100"),
        (Contact("Office", email="privacy"), "contact email: expected an address like "
         "privacy@dol.wa.gov, given 'privacy'"),
        (Contact("Office", email="a b@dol.wa.gov"), "contact email"),
        (Contact("Office", email="privacy@localhost"), "contact email"),
        (Contact("Office", email="a" * 250 + "@b.gov"), "contact email"),
        (Contact("Office", phone="911"), "contact phone: expected 7 to 15 digits, as in "
         "+1 (360) 902-3900 ext. 12, at most 40 characters, given '911'"),
        (Contact("Office", phone="call 360 902 3900"), "contact phone"),
        (Contact("Office", phone="1" * 16), "contact phone"),
        (Contact("Office", web="http://dol.wa.gov"), "contact web: expected an https:// address "
         "of at most 200 characters, given 'http://dol.wa.gov'"),
        (Contact("Office", web="https://localhost"), "contact web"),
        (Contact("Office", web="https://user:pw@dol.wa.gov"), "contact web"),
        (Contact("Office", web="javascript:alert(1)"), "contact web"),
        (Contact("Office", web="https://dol.wa.gov/" + "p" * 182), "contact web"),
    ],
)  # fmt: skip
def test_contact_details_that_cannot_reach_anyone_are_refused(
    one_file: StateSettings, details: Contact, message: str
) -> None:
    one_file.set_contact(WA_DOL)
    with pytest.raises(UsageError, match=re.escape(message)):
        one_file.set_contact(details)
    assert one_file.contact() == WA_DOL


def test_contact_details_are_updated_one_at_a_time() -> None:
    changed = WA_DOL.updated(email="", phone="+1 360 555 0100")
    assert changed == Contact(WA_DOL.name, WA_DOL.address, "", "+1 360 555 0100", WA_DOL.web)
    assert changed.updated() == changed
    assert WA_DOL.one_line() == (
        "WA DOL Privacy Office; PO Box 9030, Olympia, WA 98507-9030; privacy@dol.wa.gov; "
        "+1 (360) 902-3900; https://dol.wa.gov/privacy"
    )


def test_settings_made_before_migrations_are_stamped_then_given_the_contact_table(
    tmp_path: Path,
) -> None:
    path = tmp_path / "node.sqlite"
    engine = sa.create_engine(f"sqlite:///{path}")
    tables = [settings_tables.tables[name] for name in FIRST_TABLES]
    settings_tables.create_all(engine, tables=tables)  # as statelink 0.1 did, without Alembic
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO notice_group (name) VALUES ('dhs')"))
    engine.dispose()
    settings = StateSettings.open("WA", path)
    try:
        assert current(settings._engine, "settings") == head("settings") == "settings_0002"
        assert settings.notice_groups() == ["dhs"]  # kept, not created again
        assert settings.serious_crime() == []  # not a new store: no defaults written
        assert settings.contact() is None
        settings.set_contact(WA_DOL)
        assert settings.contact() == WA_DOL
    finally:
        settings.close()
