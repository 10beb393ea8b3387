"""Resubmissions: same ORI and control field within the window → one run, one answer."""

from __future__ import annotations

import asyncio

import pytest

from statelink.errors import ControlReused
from statelink.hub.resubmissions import Resubmissions
from statelink.messages import decode
from statelink.messages.model import Message
from statelink.messages.response import HubResponse

pytestmark = pytest.mark.anyio

WITH_CONTROL = "DQ.NY0303000.WA.*A1.OLN/WDL1.PUR/C."


class Counting:
    def __init__(self, *, fail: bool = False, delay: float = 0.0) -> None:
        self.runs = 0
        self.fail = fail
        self.delay = delay

    async def __call__(self, message: Message) -> HubResponse:
        self.runs += 1
        await asyncio.sleep(self.delay)
        if self.fail:
            raise RuntimeError("the hub failed")
        return HubResponse(
            message_id=f"M{self.runs}",
            mke=message.key.response,
            ori=message.ori,
            control=message.control,
            destinations=list(message.dest),
            answers=[],
            summary={},
            elapsed_ms=0.0,
        )


async def test_the_same_message_runs_once_even_when_sent_at_the_same_time() -> None:
    kept = Resubmissions()
    run = Counting(delay=0.05)
    message = decode(WITH_CONTROL)
    answers = await asyncio.gather(*(kept.once(message, lambda: run(message)) for _ in range(3)))
    again = await kept.once(message, lambda: run(message))
    assert run.runs == 1
    assert {a.message_id for a in [*answers, again]} == {"M1"}


async def test_a_different_message_with_the_same_control_is_refused() -> None:
    kept = Resubmissions()
    run = Counting()
    first = decode(WITH_CONTROL)
    await kept.once(first, lambda: run(first))
    other = decode(WITH_CONTROL.replace("WDL1", "WDL2"))
    with pytest.raises(ControlReused):
        await kept.once(other, lambda: run(other))
    another_ori = decode(WITH_CONTROL.replace("NY0303000", "NY0300000"))
    await kept.once(another_ori, lambda: run(another_ori))  # its own control fields
    assert run.runs == 2


@pytest.mark.parametrize(
    ("text", "window", "runs"),
    [
        ("DQ.NY0303000.WA.OLN/WDL1.PUR/C.", 600, 2),  # no control field: never matched
        (WITH_CONTROL, 0, 2),  # window 0: off
        (WITH_CONTROL, 600, 1),
    ],
)
async def test_what_is_matched(text: str, window: float, runs: int) -> None:
    kept = Resubmissions(window=window)
    run = Counting()
    message = decode(text)
    for _ in range(2):
        await kept.once(message, lambda: run(message))
    assert run.runs == runs


async def test_a_failed_run_is_not_kept_so_a_resubmission_runs_it() -> None:
    kept = Resubmissions()
    message = decode(WITH_CONTROL)
    failing = Counting(fail=True)
    with pytest.raises(RuntimeError):
        await kept.once(message, lambda: failing(message))
    working = Counting()
    answer = await kept.once(message, lambda: working(message))
    assert (failing.runs, working.runs, answer.message_id) == (1, 1, "M1")


async def test_kept_answers_expire_after_the_window() -> None:
    kept = Resubmissions(window=0.05)
    run = Counting()
    message = decode(WITH_CONTROL)
    await kept.once(message, lambda: run(message))
    await asyncio.sleep(0.1)
    await kept.once(message, lambda: run(message))
    assert run.runs == 2
