"""The client's care with a witness's answer, against a real hostile server on loopback:
sizes only as plain digits up to 2^63-1, bodies capped and never decompressed, no
control characters passed on, and every httpx error (an invalid URL too) a Reply."""

from __future__ import annotations

import pytest

from statelink.errors import UsageError
from statelink.witness.client import MAX_ANSWER, WitnessClient, checked_url
from statelink.witness.submission import Submission
from tests.witness.conftest import HostileWitness

NOTE = (
    "statelink.example/audit/WA\n10\n" + "A" * 43 + "=\n\n\u2014 statelink.example/audit/WA AAAA\n"
)


def _ask(url: str) -> tuple[int, int | None, str]:
    with WitnessClient(url) as client:
        reply = client.add_checkpoint(Submission(10, [], NOTE))
    return reply.status, reply.size, reply.reason


def test_hostile_answers_are_replies_not_crashes(hostile: HostileWitness) -> None:
    assert _ask(f"{hostile.url}/superscript")[:2] == (409, None)
    assert _ask(f"{hostile.url}/beyond")[:2] == (409, None)
    assert _ask(f"{hostile.url}/largest")[:2] == (409, (1 << 63) - 1)
    assert _ask(f"{hostile.url}/huge") == (0, None, f"refused its answer: over {MAX_ANSWER} bytes")
    assert _ask(f"{hostile.url}/gzip") == (0, None, "refused its answer: compressed")
    status, _, reason = _ask(f"{hostile.url}/control")
    assert (status, reason) == (500, "?[2Jboom?")


def test_unusable_urls_are_replies_from_the_client_and_refused_when_configured() -> None:
    assert _ask("http://[::1") == (0, None, "the witness URL is not valid")
    assert _ask("http://127.0.0.1:9")[0] == 0
    for bad in ("http://[::1", "ftp://witness.example", "http://", "witness.example"):
        with pytest.raises(UsageError):
            checked_url(bad)
    assert checked_url("https://witness.example/w1/") == "https://witness.example/w1"
