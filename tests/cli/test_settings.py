"""``statelink settings``: every setting refuses a mistake with one ``error:`` line naming the
setting, the value and what is allowed (exit 2), and changes nothing; good values are kept.
The checks are the core's (tests/policy/test_settings.py has their full tables): these
cases show the command line reports them, against a real nation and its directory."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from statelink.nation import Layout
from tests.conftest import Run, copy_nation

Invoke = Callable[..., Run]


@pytest.fixture(scope="module")
def own(layout: Layout, tmp_path_factory: pytest.TempPathFactory) -> Layout:
    """One copy of the nation for this module: refused values change nothing, and each
    accepted value is one the next case does not depend on."""
    return copy_nation(layout, tmp_path_factory.mktemp("settings"))


def shown(run: Invoke, own: Layout) -> dict[str, object]:
    result = run("settings", "show", "--state", "WA", "--json", "--data", str(own.root))
    assert result.code == 0, result.err
    settings: dict[str, object] = json.loads(result.out)
    return settings


REFUSED = [
    (
        ["notice-groups", "nosuchgroup"],
        "error: notice groups: expected groups that agencies of the directory carry (",
        "given 'nosuchgroup'",
    ),
    (
        ["notice-groups", "immigration-enforcment"],
        "given 'immigration-enforcment' (did you mean immigration-enforcement?)",
        "",
    ),
    (["notice-groups"], "give one or more groups, or --none (not both)", ""),
    (["notice-groups", "dhs", "--none"], "give one or more groups, or --none (not both)", ""),
    (
        ["set", "review_hours", "0"],
        "error: review_hours: expected a whole number of hours from 1 to 720, given 0",
        "",
    ),
    (["set", "review-hours", "721"], "from 1 to 720, given 721", ""),
    (["set", "notice_days", "0"], "notice_days: expected a whole number of business days", ""),
    (["set", "notice_days", "61"], "from 1 to 60, given 61", ""),
    (["set", "notice_retention_days", "0"], "notice_retention_days: expected", "given 0"),
    (["set", "notice_retention_days", "366"], "from 1 to 365, given 366", ""),
    (["set", "sleep_hours", "8"], "unknown setting 'sleep_hours'", ""),
    (["serious-crime", "0999-0900"], "serious-crime range: expected NNNN or NNNN-NNNN", "0999"),
    (["holidays", "--add", "2026-11-28"], "holiday: expected a weekday", "(a Saturday)"),
    (["holidays", "--add", "1999-12-31"], "holiday: expected a day from 2000-01-01", ""),
    (["holidays", "--add", "2026-11-27", "--name", "x" * 81], "holiday name: expected", ""),
    (["contact", "--email", "privacy@dol.wa.gov"], "contact name: expected whom residents", ""),
    (["contact", "--name", "Office"], "contact: give at least one way to reach 'Office'", ""),
    (
        ["contact", "--name", "Office", "--email", "privacy"],
        "contact email: expected an address like privacy@dol.wa.gov, given 'privacy'",
        "",
    ),
    (["contact", "--name", "O", "--phone", "911"], "contact phone: expected 7 to 15 digits", ""),
    (["contact", "--name", "O", "--web", "http://dol.wa.gov"], "contact web: expected", ""),
    (
        ["contact", "--name", "O", "--address", "1", "--address", "2", "--address", "3",
         "--address", "4", "--address", "5", "--address", "6"],
        "contact address: expected at most 5 lines, given 6 lines",
        "",
    ),
    (["contact", "--clear", "--name", "O"], "--clear removes every detail: give it alone", ""),
]  # fmt: skip


@pytest.mark.parametrize(("args", "said", "also"), REFUSED)
def test_a_mistake_is_one_error_line_exit_2_and_changes_nothing(
    run: Invoke, own: Layout, args: list[str], said: str, also: str
) -> None:
    before = shown(run, own)
    result = run("settings", args[0], "--state", "WA", *args[1:], "--data", str(own.root))
    assert result.code == 2
    assert result.err.count("\n") == 1
    assert result.err.startswith("error: ")
    assert said in result.err
    assert also in result.err
    assert shown(run, own) == before


ACCEPTED = [
    (["notice-groups", "immigration-enforcement", "DHS"], "notice_groups",
     ["dhs", "immigration-enforcement"]),
    (["notice-groups", "--none"], "notice_groups", []),
    (["notice-groups", "immigration-enforcement"], "notice_groups", ["immigration-enforcement"]),
    (["set", "review_hours", "1"], "review_hours", 1),
    (["set", "review-hours", "720"], "review_hours", 720),
    (["set", "notice_days", "60"], "notice_days", 60),
    (["set", "notice_retention_days", "365"], "notice_retention_days", 365),
    (["serious-crime", "0900-0999", "6411"], "serious_crime",
     [{"first": "0900", "last": "0999", "label": "homicide"},
      {"first": "6411", "last": "6411", "label": ""}]),
    (["holidays", "--add", "2026-11-27", "--name", "Native American  Heritage Day"], "holidays",
     [{"day": "2026-11-27", "name": "Native American Heritage Day"}]),
    (["contact", "--name", "WA DOL Privacy Office", "--address", "PO Box 9030",
      "--address", "Olympia, WA 98507-9030", "--email", "privacy@dol.wa.gov"], "contact",
     {"name": "WA DOL Privacy Office", "address": ["PO Box 9030", "Olympia, WA 98507-9030"],
      "email": "privacy@dol.wa.gov", "phone": "", "web": ""}),
    (["contact", "--clear"], "contact", None),
]  # fmt: skip


@pytest.mark.parametrize(("args", "key", "kept"), ACCEPTED)
def test_a_good_value_is_kept_and_shown(
    run: Invoke, own: Layout, args: list[str], key: str, kept: object
) -> None:
    result = run("settings", args[0], "--state", "WA", *args[1:], "--data", str(own.root))
    assert result.code == 0, result.err
    assert result.err == ""
    assert shown(run, own)[key] == kept


def test_contact_details_change_one_at_a_time_and_show_as_letters_give_them(
    run: Invoke, layout: Layout, tmp_path: Path
) -> None:
    data = ("--data", str(copy_nation(layout, tmp_path / "nation").root))
    unset = run("settings", "contact", "--state", "WA", *data)
    assert unset.out.strip() == "WA has not set its contact details; letters say so"
    assert "contact for letters: not set" in run("settings", "show", "--state", "WA", *data).out
    run(
        "settings", "contact", "--state", "WA", "--name", "WA DOL Privacy Office",
        "--address", "PO Box 9030", "--address", "Olympia, WA 98507-9030",
        "--email", "privacy@dol.wa.gov", *data,
    )  # fmt: skip
    changed = run(
        "settings", "contact", "--state", "WA", "--phone", "+1 (360) 902-3900", "--email", "",
        "--json", *data,
    )  # fmt: skip
    assert json.loads(changed.out)["contact"] == {
        "name": "WA DOL Privacy Office",
        "address": ["PO Box 9030", "Olympia, WA 98507-9030"],
        "email": "",
        "phone": "+1 (360) 902-3900",
        "web": "",
    }
    lines = run("settings", "contact", "--state", "WA", *data).out.splitlines()
    assert lines == [
        "WA contact details for letters",
        "  name: WA DOL Privacy Office",
        "  address: PO Box 9030",
        "  address: Olympia, WA 98507-9030",
        "  telephone: +1 (360) 902-3900",
    ]
    assert (
        "contact for letters: WA DOL Privacy Office; PO Box 9030, Olympia, WA 98507-9030; "
        "+1 (360) 902-3900" in run("settings", "show", "--state", "WA", *data).out
    )
