"""A bounded share of the decoder fuzz harness (benchmarks/fuzz_decoders.py), in CI.

The harness itself is tested too: a broken decoder or encoder must show in its counts.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from fuzz_decoders import DECODERS, Tally, check, fuzz, seed_corpus
from statelink.errors import UsageError
from statelink.messages import Message, decode, encode

INPUTS = 3_000
"""The share CI runs for each seed (a few seconds); run the harness by hand for 100,000."""


@pytest.mark.parametrize("seed", [1, 2])
def test_the_decoders_survive_a_fuzz_run(seed: int) -> None:
    tally = fuzz(INPUTS, seed)
    assert tally.inputs == INPUTS
    assert tally.clean, "\n\n".join(tally.examples)
    # the run reaches deep: many inputs decode to valid messages, more are refused
    assert tally.accepted > INPUTS // 5
    assert tally.refused > INPUTS
    assert set(tally.by_decoder) == set(DECODERS)


def test_the_seed_corpus_holds_every_key_in_both_forms() -> None:
    corpus = seed_corpus(random.Random(0), 100)
    texts = [data for data in corpus if not data.lstrip().startswith(b"{")]
    assert len(texts) < len(corpus)
    keys = {data.split(b".")[0].strip().upper() for data in texts}
    assert keys == {b"DQ", b"DNQ", b"KQ", b"RQ", b"RNQ", b"RPQ"}


def _crashes_on_slash(data: bytes) -> Message:
    if b"/" in data:
        raise IndexError("list index out of range")
    return Message.parse(data)


def _refuses_on_two_lines(data: bytes) -> Message:
    raise UsageError("not a message:\nsee above")


def _drops_the_control(message: Message) -> str:
    return encode(message.model_copy(update={"control": ""}))


BROKEN: list[tuple[str, dict[str, Callable[[bytes], Message]], Callable[[Message], str], str]] = [
    ("a decoder that crashes", {"broken": _crashes_on_slash}, encode, "other_exceptions"),
    ("an error on two lines", {"broken": _refuses_on_two_lines}, encode, "malformed_refusals"),
    (
        "an encoder that loses a field",
        {"text": lambda d: decode(d.decode(errors="replace"))},
        _drops_the_control,
        "round_trip_failures",
    ),
]


@pytest.mark.parametrize(
    ("case", "decoders", "encoder", "counted"), BROKEN, ids=[c[0] for c in BROKEN]
)
def test_the_harness_catches_a_broken_codec(
    case: str,
    decoders: dict[str, Callable[[bytes], Message]],
    encoder: Callable[[Message], str],
    counted: str,
) -> None:
    tally = fuzz(300, 7, decoders, encoder)
    assert not tally.clean
    assert getattr(tally, counted) > 0
    assert tally.by_decoder[next(iter(decoders))][counted] == getattr(tally, counted)
    assert tally.examples


def test_one_input_is_counted_for_every_decoder() -> None:
    tally = Tally()
    check(b"DQ.NY0303000.WA.OLN/A1.PUR/C.", tally)
    assert (tally.inputs, tally.accepted, tally.refused) == (1, 2, 2)  # text yes, JSON no
    assert tally.by_decoder["decode"]["accepted"] == 1
    assert tally.by_decoder["parse-bytes"]["refused"] == 1
