"""Fuzz the message decoders: every input gives a message or a readable refusal.

Each generated input goes through all four decoders: ``Message.parse`` on the bytes and
on the text, ``text.decode`` and ``text.parse_any`` (bytes become text with
``surrogateescape``, so invalid UTF-8 reaches the text decoders as lone surrogates).
Inputs mix valid messages of every key (text and JSON), mutations of them (byte flips,
inserted ``.`` ``/`` ``\\`` ``*`` ``,`` NUL and invalid UTF-8, deletions, huge repeats,
splices of two messages), hostile shapes (thousands of periods, commas or members, deep
nesting) and random bytes. It counts:

- ``accepted``: a decoder returned a message; that message must survive
  ``decode(encode(m))``, ``Message.parse(m.model_dump_json())`` and
  ``Message.parse(m.to_json())`` unchanged, else it is a ``round_trip_failures``;
- ``refused``: MessageInvalid or another UsageError; its message must be one line of at
  most 1,000 characters, list at most MAX_LISTED_ERRORS errors, and encode in UTF-8 with
  its details (no lone surrogate), else it also counts in ``malformed_refusals``;
- ``other_exceptions``: anything else (the first few tracebacks are printed).

    .venv/bin/python benchmarks/fuzz_decoders.py --inputs 100000
    .venv/bin/python benchmarks/fuzz_decoders.py --inputs 100000 --json
    .venv/bin/python benchmarks/fuzz_decoders.py --atheris --inputs 100000

``--atheris`` hands the same checks to atheris (coverage-guided libFuzzer) for that many
runs, from a corpus of valid messages; it stops at the first failure. The exit status is
1 when anything but accepted and refused was counted. ``tests/messages/test_fuzz.py``
runs a bounded share of the default mode in CI.
"""

from __future__ import annotations

import argparse
import json
import random
import string
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from statelink.errors import MAX_LISTED_ERRORS, MessageInvalid, StatelinkError, UsageError
from statelink.messages import Message, Warrant, decode, encode, parse_any
from statelink.messages.fields import PLATE_TYPES, PURPOSES, SEXES, WARRANT_KINDS
from statelink.states import CODES

Decoder = Callable[[bytes], Message]
Encoder = Callable[[Message], str]


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="surrogateescape")


DECODERS: dict[str, Decoder] = {
    "parse-bytes": Message.parse,
    "parse-text": lambda data: Message.parse(_text(data)),
    "decode": lambda data: decode(_text(data)),
    "parse_any": lambda data: parse_any(_text(data)),
}
"""Every decoder under test, by the name the report uses."""

EXAMPLES_KEPT = 5
"""Tracebacks and round-trip failures kept for the report."""


@dataclass
class Tally:
    """What the decoders did with the inputs: totals, and the same by decoder."""

    inputs: int = 0
    accepted: int = 0
    refused: int = 0
    other_exceptions: int = 0
    round_trip_failures: int = 0
    malformed_refusals: int = 0
    largest_input: int = 0
    by_decoder: dict[str, Counter[str]] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.other_exceptions or self.round_trip_failures or self.malformed_refusals)

    def count(self, decoder: str, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)
        self.by_decoder.setdefault(decoder, Counter())[outcome] += 1

    def keep(self, example: str) -> None:
        if len(self.examples) < EXAMPLES_KEPT:
            self.examples.append(example)

    def report(self) -> dict[str, Any]:
        return {
            "inputs": self.inputs,
            "decodes": self.accepted + self.refused + self.other_exceptions,
            "accepted": self.accepted,
            "refused": self.refused,
            "other_exceptions": self.other_exceptions,
            "round_trip_failures": self.round_trip_failures,
            "malformed_refusals": self.malformed_refusals,
            "largest_input_bytes": self.largest_input,
            "by_decoder": {name: dict(c) for name, c in sorted(self.by_decoder.items())},
        }


# --- checking one input ---------------------------------------------------------------


def round_trip_problem(message: Message, encoder: Encoder = encode) -> str | None:
    """How a valid message fails to survive the text and JSON forms, or None."""
    forms: dict[str, Callable[[], Message]] = {
        "decode(encode(m))": lambda: decode(encoder(message)),
        "parse(model_dump_json)": lambda: Message.parse(message.model_dump_json()),
        "parse(to_json)": lambda: Message.parse(message.to_json()),
    }
    for form, rebuild in forms.items():
        try:
            again = rebuild()
        except Exception as e:  # a refusal, or worse: either way the message was lost
            return f"{form} raised {type(e).__name__} for {message!r}: {e}"
        if again != message:
            return f"{form} changed {message!r} into {again!r}"
    return None


def _malformed(error: StatelinkError) -> bool:
    """An error a person cannot read on one line, or that JSON in UTF-8 cannot carry."""
    text = error.message + json.dumps(error.details(), ensure_ascii=False)
    if "\n" in error.message or "\r" in error.message or len(error.message) > 1000:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from the input, shown unescaped
        return True
    return isinstance(error, MessageInvalid) and not 1 <= len(error.errors) <= MAX_LISTED_ERRORS


def check(
    data: bytes,
    tally: Tally,
    decoders: Mapping[str, Decoder] = DECODERS,
    encoder: Encoder = encode,
) -> None:
    """Run one input through every decoder and count what each did."""
    tally.inputs += 1
    tally.largest_input = max(tally.largest_input, len(data))
    for name, decoder in decoders.items():
        try:
            message = decoder(data)
        except UsageError as e:
            tally.count(name, "refused")
            if _malformed(e):
                tally.count(name, "malformed_refusals")
                tally.keep(f"{name}: malformed refusal of {data[:200]!r}: {e.message[:300]!r}")
            continue
        except Exception:
            tally.count(name, "other_exceptions")
            tally.keep(f"{name} on {data[:200]!r}:\n{traceback.format_exc()}")
            continue
        tally.count(name, "accepted")
        problem = round_trip_problem(message, encoder)
        if problem is not None:
            tally.count(name, "round_trip_failures")
            tally.keep(f"{name}: {problem}")


# --- generating inputs ----------------------------------------------------------------

_ALNUM = string.ascii_uppercase + string.digits
_FREE = string.ascii_letters + string.digits + " .\\/*,-:'#" + "éßÅ漢字ıſ€"
_TOKENS: tuple[bytes, ...] = (
    *(c.encode() for c in './\\*,{}[]":'),
    b"\x00",
    b"\xff",
    b"\xc3",
    b"\xed\xa0\x80",
    b"\xe2\x80\xa8",
    *(c.encode() for c in "ßıſ\u3000\x1f\x85"),
    b"\\u0000",
    b"\\ud800",
    b"1e999",
    b" ",
    b"\t",
    b"\n",
    b"NL",
    b"OLN/",
    b"PUR/C",
    b'"fields":{}',
)


_TWISTS: tuple[tuple[bytes, str], ...] = (
    (b"SS", "ß"),
    (b"S", "ſ"),
    (b"I", "ı"),
    (b"FF", "ﬀ"),
    (b"K", "\u212a"),
    (b" ", "\u3000"),
    (b"0", "\u0660"),
    (b"1", "\u0967"),
    (b"9", "\uff19"),
)
"""Letters, digits and spaces, and Unicode that upper-cases, folds or reads like them."""


def _free_text(rng: random.Random, limit: int) -> str:
    size = rng.choice([limit, limit - 1, rng.randint(1, limit)])  # often at the limit
    return "".join(rng.choices(_FREE, k=max(size, 1))).strip() or "X"


def _word(rng: random.Random, alphabet: str, low: int, high: int) -> str:
    return "".join(rng.choices(alphabet, k=rng.randint(low, high)))


def _search_fields(rng: random.Random, mke: str) -> dict[str, str]:
    name = f"{_word(rng, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 1, 9)}, {_word(rng, 'ABCDEF', 1, 6)}"
    dob = f"{rng.randint(1900, 2020)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    oln = _word(rng, _ALNUM, 1, 25)
    plate = _word(rng, _ALNUM, 1, 10)
    vin = _word(rng, "ABCDEFGHJKLMNPRSTUVWXYZ0123456789", 17, 17)
    pattern = _word(rng, _ALNUM, 3, 5) + rng.choice(["*", "?", "*?"]) + _word(rng, _ALNUM, 0, 2)
    forms: dict[str, list[dict[str, str]]] = {
        "DQ": [{"OLN": oln}, {"NAM": name, "DOB": dob, "SEX": rng.choice(list(SEXES))}],
        "DNQ": [{"NAM": name}],
        "KQ": [{"OLN": oln}],
        "RQ": [
            {"LIC": plate, "LIY": str(rng.randint(1990, 2026)), "LIT": rng.choice(["PC", "TK"])},
            {"VIN": vin},
        ],
        "RNQ": [{"NAM": name}],
        "RPQ": [{"LIC": pattern, "LIT": rng.choice(list(PLATE_TYPES))}],
    }
    return rng.choice(forms[mke])


def _loose(rng: random.Random, value: str) -> str:
    """A value as a person might type it: in lower case, or with spaces around."""
    if rng.random() < 0.3:
        value = value.lower()
    return f" {value}\t" if rng.random() < 0.2 else value


def message_data(rng: random.Random) -> dict[str, Any]:
    """A random message of any key as a sender might write it (codes in any case, free
    text with ß and other Unicode, at or near its limit), each optional field half the
    time. Almost all are valid; a few free texts grow past their limit when upper-cased."""
    mke = rng.choice(["DQ", "DNQ", "KQ", "RQ", "RNQ", "RPQ"])
    dest = ["NL"] if mke != "RPQ" and rng.random() < 0.2 else rng.sample(CODES, 1)
    if mke != "RPQ" and rng.random() < 0.3:
        dest = rng.sample(CODES, rng.randint(2, 5))
    data: dict[str, Any] = {
        "mke": _loose(rng, mke),
        "ori": _loose(rng, rng.choice(CODES) + _word(rng, _ALNUM, 7, 7)),
        "dest": [_loose(rng, code) for code in dest],
        "purpose": _loose(rng, rng.choice(list(PURPOSES))),
        "fields": {k: _loose(rng, v) for k, v in _search_fields(rng, mke).items()},
    }
    optional: dict[str, Callable[[], Any]] = {
        "control": lambda: _loose(rng, _word(rng, _ALNUM, 1, 10)),
        "reason": lambda: _free_text(rng, 40),
        "case_number": lambda: _free_text(rng, 40),
        "offense": lambda: f"{rng.randint(0, 9999):04d}",
        "operator": lambda: _free_text(rng, 40),
        "warrant": lambda: {
            "kind": _loose(rng, rng.choice(list(WARRANT_KINDS))),
            "id": _free_text(rng, 60),
            "court": _free_text(rng, 80),
        },
    }
    return data | {name: make() for name, make in optional.items() if rng.random() < 0.5}


def _as_written(data: dict[str, Any]) -> str:
    """The text form of a message as written, before any rule normalises it."""
    warrant = data.get("warrant")
    return encode(
        Message.model_construct(
            **data
            | {
                "dest": tuple(data["dest"]),
                "warrant": Warrant.model_construct(**warrant) if warrant else None,
            }
        )
    )


def seed_corpus(rng: random.Random, size: int = 200) -> list[bytes]:
    """Messages in both forms, as written and (when valid) as normalised."""
    corpus: list[bytes] = []
    for _ in range(size):
        data = message_data(rng)
        corpus.append(_as_written(data).encode())
        corpus.append(json.dumps(data, ensure_ascii=rng.random() < 0.5).encode())
        try:
            message = Message.parse(data)
        except MessageInvalid:
            continue
        corpus.append(encode(message).encode())
        corpus.append(json.dumps(message.to_json(), ensure_ascii=False, indent=2).encode())
    return corpus


def _mutate(rng: random.Random, data: bytes, corpus: list[bytes]) -> bytes:
    at = rng.randint(0, len(data))
    end = rng.randint(at, min(len(data), at + 16))
    kind = rng.randrange(8)
    if kind == 0 and data:  # flip one bit
        spot = rng.randrange(len(data))
        return data[:spot] + bytes([data[spot] ^ 1 << rng.randrange(8)]) + data[spot + 1 :]
    if kind == 1:
        return data[:at] + rng.choice(_TOKENS) + data[at:]
    if kind == 2:
        return data[:at] + data[end:]
    if kind == 3:  # a short repeat, or (rarely) a huge one
        chunk = data[at:end] or rng.choice(_TOKENS)
        times = rng.randint(2, 200) if rng.random() < 0.97 else rng.randint(1_000, 20_000)
        return data[:at] + chunk * times + data[end:]
    if kind == 4:  # splice: the start of this message, the end of another
        other = rng.choice(corpus)
        return data[:at] + other[rng.randint(0, len(other)) :]
    if kind == 5:
        return data[:at] + rng.randbytes(end - at) + data[end:]
    if kind == 6:
        return data[:at] + data[at:end].swapcase() + data[end:]
    plain, twisted = rng.choice(_TWISTS)  # a lookalike for an ASCII letter, digit or space
    spot = data.find(plain, at)
    return data if spot < 0 else data[:spot] + twisted.encode() + data[spot + len(plain) :]


def _hostile(rng: random.Random) -> bytes:
    n = rng.choice([70, 1_000, 10_000, 100_000])
    deep = min(n, 5_000)
    shapes: list[Callable[[], bytes]] = [
        lambda: b"." * n,
        lambda: b"DQ.NY0303000." + b"WA," * n,
        lambda: b"DQ.NY0303000.WA." + b"OLN/A." * n,
        lambda: b"DQ.NY0303000.WA.OLN/" + b"\\\\" * n,
        lambda: json.dumps(
            {"mke": "DQ", "fields": {f"F{i}": "x" for i in range(n // 10)}}
        ).encode(),
        lambda: json.dumps({f"m{i}": i for i in range(n // 10)}).encode(),
        lambda: b'{"dest": ' + b"[" * deep + b"]" * deep + b"}",
        lambda: b'{"mke": ' + b"9" * min(n, 10_000) + b"}",
    ]
    return rng.choice(shapes)()


def _random_bytes(rng: random.Random) -> bytes:
    alphabet = rng.choice([bytes(range(256)), string.printable.encode(), b'.,/\\*AZ09 {}[]":'])
    return bytes(rng.choices(alphabet, k=rng.randint(0, 200)))


def inputs(count: int, seed: int = 0) -> Iterator[bytes]:
    """``count`` inputs, the same for the same seed."""
    rng = random.Random(seed)
    corpus = seed_corpus(rng)
    for _ in range(count):
        roll = rng.random()
        if roll < 0.10:
            yield rng.choice(corpus)
        elif roll < 0.80:
            data = rng.choice(corpus)
            for _ in range(rng.randint(1, 4)):
                data = _mutate(rng, data, corpus)
            yield data
        elif roll < 0.83:
            yield _hostile(rng)
        else:
            yield _random_bytes(rng)


def fuzz(
    count: int,
    seed: int = 0,
    decoders: Mapping[str, Decoder] = DECODERS,
    encoder: Encoder = encode,
    step: Callable[[], None] | None = None,
) -> Tally:
    """Check ``count`` generated inputs; ``step`` is called after each (a progress bar)."""
    tally = Tally()
    for data in inputs(count, seed):
        check(data, tally, decoders, encoder)
        if step is not None:
            step()
    return tally


# --- the command ----------------------------------------------------------------------


def _with_progress(count: int, seed: int) -> Tally:
    if not sys.stdout.isatty():
        return fuzz(count, seed)
    from rich.progress import Progress

    with Progress(transient=True) as progress:
        task = progress.add_task("fuzzing the decoders", total=count)
        return fuzz(count, seed, step=lambda: progress.advance(task))


def _print(result: dict[str, Any], examples: list[str], as_json: bool) -> None:
    if as_json:
        print(json.dumps(result | {"examples": examples}, indent=2))
        return
    for key, value in result.items():
        if key != "by_decoder":
            print(f"{key:>22}  {value:,}" if isinstance(value, int) else f"{key:>22}  {value}")
    for name, counts in result["by_decoder"].items():
        print(f"{name:>22}  " + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())))
    for example in examples:
        print("\n" + example)


def _atheris(runs: int, seed: int) -> None:
    """Coverage-guided: the same checks under libFuzzer, from the valid corpus."""
    import atheris

    tally = Tally()

    def one_input(data: bytes) -> None:
        check(data, tally)
        if not tally.clean:
            raise AssertionError("\n".join(tally.examples))
        if tally.inputs == runs:
            _print(tally.report(), [], as_json=False)

    corpus = Path(tempfile.mkdtemp(prefix="fuzz-decoders-"))
    print(f"corpus (seeds, and what libFuzzer adds): {corpus}", file=sys.stderr)
    for number, data in enumerate(seed_corpus(random.Random(seed), 50)):
        (corpus / f"seed-{number}").write_bytes(data)
    atheris.instrument_all()
    atheris.Setup(
        [sys.argv[0], f"-runs={runs}", f"-seed={seed + 1}", "-max_len=4096", str(corpus)],
        one_input,
    )
    atheris.Fuzz()  # never returns: libFuzzer exits when the runs are done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--inputs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--atheris", action="store_true", help="coverage-guided, by atheris")
    args = parser.parse_args()
    if args.atheris:
        _atheris(args.inputs, args.seed)
    started = time.perf_counter()
    tally = _with_progress(args.inputs, args.seed)
    result = tally.report() | {"seconds": round(time.perf_counter() - started, 1)}
    _print(result, tally.examples, args.json)
    sys.exit(0 if tally.clean else 1)


if __name__ == "__main__":
    main()
