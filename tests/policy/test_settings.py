"""A state's settings: serious-crime ranges, certifications, notice groups."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from statelink.errors import NotFound, UsageError
from statelink.policy.settings import DEFAULT_SERIOUS_CRIME, StateSettings, parse_ranges

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
    assert settings.revoke("WAICE0100", "violated the agreement") == 1
    assert not settings.snapshot().is_certified("WAICE0100", TODAY)
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
