"""Loading a policy set: validated whole against the contract schema, or refused whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from statelink.errors import PolicyInvalid, UsageError
from statelink.policy.policies import Policies
from statelink.policy.schema import schema_version

GOOD = (
    '@id("ok")\n@reason("fine")\n'
    'permit (principal, action, resource) when { context.purpose == "C" };\n'
)


def test_the_contract_example_is_valid() -> None:
    text = (Path(__file__).parents[2] / "src/statelink/contract/example-wa.cedar").read_text()
    policies = Policies.from_files({"example.cedar": text})
    assert list(policies.infos) == [
        "cj-access",
        "no-civil-immigration",
        "certification-required",
        "no-partial-plate-multistate",
    ]
    assert policies.infos["no-civil-immigration"].law == "RCW 43.17.425 (example citation)"
    assert policies.infos["no-civil-immigration"].effect == "forbid"
    assert schema_version() == "1"


@pytest.mark.parametrize(
    ("files", "file", "policy_id", "problem"),
    [
        (
            {
                "a.cedar": GOOD,
                "typed.cedar": '@id("bad-offense")\npermit (principal, action, '
                'resource) when { context.offense in ["0911", "0912"] };',
            },
            "typed.cedar",
            "bad-offense",
            "unexpected type",
        ),
        (
            {
                "a.cedar": '@id("x")\npermit (principal, action, resource) '
                'when { context.colour == "red" };'
            },
            "a.cedar",
            "x",
            "attribute `colour` in context not found",
        ),
        ({"a.cedar": "permit (principal, action, resource);"}, "a.cedar", "policy0", "no @id"),
        ({"a.cedar": GOOD, "b.cedar": GOOD}, "b.cedar", "ok", "already used in a.cedar"),
        (
            {"a.cedar": '@id("x") permit (principal, action, resource'},
            "a.cedar",
            "",
            "does not parse",
        ),
        (
            {"a.cedar": '@id("t") permit (principal == ?principal, action, resource);'},
            "a.cedar",
            "",
            "templates",
        ),
        ({"a.cedar": "// only a comment\n"}, "", "", "no policies"),
    ],
)
def test_refusals_name_the_file_the_policy_and_the_problem(
    files: dict[str, str], file: str, policy_id: str, problem: str
) -> None:
    with pytest.raises(PolicyInvalid) as caught:
        Policies.from_files(files)
    found = [p for p in caught.value.problems if problem in p.problem]
    assert found, caught.value.problems
    assert (found[0].file, found[0].policy_id) == (file, policy_id)
    assert caught.value.message.startswith("policy set refused: ")


def test_one_bad_file_refuses_the_whole_set(tmp_path: Path) -> None:
    (tmp_path / "good.cedar").write_text(GOOD)
    (tmp_path / "bad.cedar").write_text(
        '@id("b")\nforbid (principal, action, resource) when { context.offense in ["x"] };'
    )
    with pytest.raises(PolicyInvalid) as caught:
        Policies.load(tmp_path)
    assert {p.file for p in caught.value.problems} == {"bad.cedar"}


def test_folder_or_file_and_a_stable_digest(tmp_path: Path) -> None:
    (tmp_path / "b.cedar").write_text(GOOD)
    (tmp_path / "a.cedar").write_text(GOOD.replace('"ok"', '"other"'))
    (tmp_path / "notes.txt").write_text("not a policy")
    folder = Policies.load(tmp_path)
    assert list(folder.files) == ["a.cedar", "b.cedar"]
    assert folder.digest == Policies.from_files(dict(reversed(list(folder.files.items())))).digest
    assert Policies.load(tmp_path / "b.cedar").digest != folder.digest
    with pytest.raises(UsageError):
        Policies.load(tmp_path / "missing")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(PolicyInvalid, match=r"no \.cedar files"):
        Policies.load(empty)
