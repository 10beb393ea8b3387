"""Benchmark: the three forms of a message side by side: JSON, the text form, Nlets XML.

For each of a few messages, one operation is what a server does with a body: parse and
validate it into a Message, then write it back (JSON: ``Message.parse(bytes)`` then
``model_dump_json()``; text: ``decode_bytes`` then ``encode``; XML: ``decode_xml(bytes)``
(safe parse, schema validation, field rules) then ``encode_xml``). The codecs run
round-robin, ``--rounds`` times ``--ops`` operations each (after one round that is not
counted), so that the noise of a shared machine falls on all alike; it prints the median
and range over the rounds of the time of one operation, and the XML/JSON ratio of the
medians (the target: XML at most 3 times JSON).

    .venv/bin/python benchmarks/message_codecs.py
    .venv/bin/python benchmarks/message_codecs.py --rounds 15 --ops 2000 --json

Run it by hand; the tests never time anything.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from statelink.messages import Message, decode, encode
from statelink.messages.niem import decode_xml, encode_xml
from statelink.messages.text import decode_bytes

MESSAGES: dict[str, str] = {
    "DQ by OLN": "DQ.NY0303000.WA.*A1B2C3.TXT.OLN/WDL12345678.PUR/C.",
    "DQ by name, every header field": (
        "DQ.VTICE0900.WA,OR.*X1.TXT.NAM/SMITH, JOHN Q.DOB/19800131.SEX/M.PUR/I.RSN/INV."
        "OFF/6499.CAS/2025-001234.OPR/J SMITH.WKD/judicial.WID/2:25-mj-00123."
        "WCT/W\\.D\\. Wash\\.."
    ),
    "RQ by plate to NL": "RQ.NY0303000.NL.TXT.LIC/ABC1234.LIY/2026.LIT/PC.PUR/T.",
    "RNQ by owner": "RNQ.NY0303000.WA.TXT.NAM/DOE, JANE.PUR/U.",
}
"""The messages measured, in the text form."""

Operation = Callable[[], object]


def operations(message: Message) -> dict[str, Operation]:
    """One parse + validate + encode of the message, for each form."""
    as_json = message.model_dump_json().encode()
    as_text = encode(message).encode()
    as_xml = encode_xml(message).encode()
    return {
        "json": lambda: Message.parse(as_json).model_dump_json(),
        "text": lambda: encode(decode_bytes(as_text)),
        "xml": lambda: encode_xml(decode_xml(as_xml)),
    }


@dataclass
class Timing:
    message: str
    codec: str
    per_op_us: list[float]

    def summary(self) -> dict[str, float | str]:
        return {
            "message": self.message,
            "codec": self.codec,
            "median_us": round(statistics.median(self.per_op_us), 2),
            "min_us": round(min(self.per_op_us), 2),
            "max_us": round(max(self.per_op_us), 2),
        }


def _time(operation: Operation, ops: int) -> float:
    """Microseconds per operation, over ``ops`` of them."""
    started = time.perf_counter()
    for _ in range(ops):
        operation()
    return (time.perf_counter() - started) / ops * 1e6


def measure(rounds: int, ops: int) -> list[Timing]:
    timings: list[Timing] = []
    for name, text in MESSAGES.items():
        codecs = operations(decode(text))
        for operation in codecs.values():
            _time(operation, ops)  # warm-up: caches, the schema, the allocator
        found = {codec: Timing(name, codec, []) for codec in codecs}
        for _ in range(rounds):
            for codec, operation in codecs.items():
                found[codec].per_op_us.append(_time(operation, ops))
        timings.extend(found.values())
    return timings


def ratios(timings: list[Timing]) -> dict[str, float]:
    """XML's median over JSON's, per message."""
    medians = {(t.message, t.codec): statistics.median(t.per_op_us) for t in timings}
    return {name: round(medians[(name, "xml")] / medians[(name, "json")], 2) for name in MESSAGES}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=9, help="rounds counted (default 9)")
    parser.add_argument("--ops", type=int, default=1000, help="operations a round (default 1000)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    timings = measure(args.rounds, args.ops)
    xml_over_json = ratios(timings)
    if args.json:
        report = {
            "python": platform.python_version(),
            "machine": platform.machine(),
            "rounds": args.rounds,
            "ops": args.ops,
            "timings": [t.summary() for t in timings],
            "xml_over_json": xml_over_json,
            "xml_at_most_3x_json": all(r <= 3 for r in xml_over_json.values()),
        }
        print(json.dumps(report, indent=2))
        return
    width = max(map(len, MESSAGES))
    print(f"{'message':{width}}  codec  median µs  range µs  ({args.rounds} rounds × {args.ops})")
    for t in timings:
        s = t.summary()
        print(
            f"{t.message:{width}}  {t.codec:5}  {s['median_us']:9.1f}  "
            f"{s['min_us']:.1f}–{s['max_us']:.1f}"
        )
    for name, ratio in xml_over_json.items():
        print(f"XML/JSON {name}: {ratio:.2f}×")


if __name__ == "__main__":
    main()
