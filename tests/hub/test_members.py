"""The hub's members: ownership of ORIs, certificates, tokens and revocation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from statelink.directory import seed_directory
from statelink.errors import NotFound, UsageError
from statelink.hub.members import Member, MemberStore

DIRECTORY = seed_directory()


@pytest.fixture
def members(node_db: Path | str) -> MemberStore:
    return MemberStore.open("hub", node_db)


@pytest.mark.parametrize(
    ("member", "ori", "owns"),
    [
        (Member("wa", states=frozenset({"WA"})), "WA0340000", True),  # a WA police department
        (Member("wa", states=frozenset({"WA"})), "NY0303000", False),  # another state's
        (Member("wa", states=frozenset({"WA"})), "WAICE0100", False),  # federal office in WA
        (Member("ice", components=frozenset({"ICE"})), "WAICE0100", True),
        (Member("ice", components=frozenset({"ICE"})), "WAHSI0100", False),  # HSI is not ICE
        (Member("ice", components=frozenset({"ICE"})), "WA0340000", False),
        (Member("one", oris=frozenset({"NY0303000"})), "NY0303000", True),
        (Member("one", oris=frozenset({"NY0303000"})), "WA0340000", False),
    ],
)
def test_ownership(member: Member, ori: str, owns: bool) -> None:
    assert member.owns(DIRECTORY.require(ori)) is owns


def test_tokens_are_kept_hashed_and_revocable(members: MemberStore) -> None:
    members.add("ice-line", components=["ice", "HSI"])
    token_id, token = members.issue_token("ice-line")
    found = members.by_token(token)
    assert found is not None
    assert found.name == "ice-line"
    assert found.components == {"ICE", "HSI"}
    listed = members.require("ice-line").tokens
    assert [t.token_id for t in listed] == [token_id]
    assert token not in repr(listed)
    assert members.by_token(token + "x") is None
    members.revoke_token(token_id)
    assert members.by_token(token) is None
    with pytest.raises(NotFound):
        members.revoke_token("nope")


def test_certificates_identify_members(members: MemberStore) -> None:
    members.add("wa-switch", states=["wa"], cert_sha256="AB" * 32)
    found = members.by_certificate("ab" * 32)
    assert found is not None
    assert found.states == {"WA"}
    assert members.by_certificate("cd" * 32) is None


@pytest.mark.parametrize(
    ("name", "kwargs", "error"),
    [
        ("bad name!", {"states": ["WA"]}, "member name"),
        ("nothing", {}, "must own something"),
        ("xx", {"states": ["XX"]}, "unknown state"),
    ],
)
def test_bad_members_are_refused(
    members: MemberStore, name: str, kwargs: dict[str, Any], error: str
) -> None:
    with pytest.raises(UsageError, match=error):
        members.add(name, **kwargs)


def test_removing_a_member_removes_its_tokens(members: MemberStore) -> None:
    members.add("wa", states=["WA"])
    _, token = members.issue_token("wa")
    members.remove("wa")
    assert members.by_token(token) is None
    assert members.list() == []
