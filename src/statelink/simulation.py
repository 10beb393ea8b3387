"""A calibrated year of synthetic traffic, sent through the switch.

``290 million × scale`` messages (:mod:`statelink.traffic` says who asks what, and why),
spread over the year before the nation's ``as_of`` date with a daily and weekly rhythm:
busiest on weekday afternoons, quietest in the small hours and on Sundays. Each message
searches for a record that exists in the owner state (nine in ten) or for one that does
not, and goes through the hub like any other: the owner states' policies decide, their
audit logs record it, with the hub's ``received_at`` set to the simulated moment. The
nodes are in-process, so each decides at that moment (:mod:`statelink.clock`): the
certifications of that day, holds created and expiring then, notices released that day.

While the year is sent, its casework is done at its simulated moments
(:mod:`statelink.casework`): reviewers decide the held messages and requesters collect
approved answers, each as the traffic passes its moment; once the year is sent, clerks
close the notices owed. The review queues, notices and audit logs then tell one story.

The generator's **ground truth** is the number of audit records it expects per owner
state × requester component × message key × purpose (a nationwide message counts once
for every state), written to ``ground-truth.json``. Reports read from the audit logs
must give the same numbers.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from statelink.casework import Casework
from statelink.embedded import EmbeddedNetwork
from statelink.messages.model import Message, Warrant
from statelink.messages.response import Status
from statelink.records import RecordStore
from statelink.states import CODES
from statelink.traffic import HUB_QUERIES_PER_YEAR, Query, RequesterMix

HOUR_WEIGHTS = (  # midnight to 11 pm, local patrol and investigation rhythm
    (2, 1.5, 1, 0.8, 0.8, 1, 2, 4, 6, 7, 7.5, 7.5, 7, 7.5, 8, 8, 7.5, 6.5, 5.5, 5, 4.5, 4, 3.5, 2.5)
)
WEEKDAY_WEIGHTS = (1.0, 1.05, 1.05, 1.05, 1.1, 0.8, 0.6)  # Monday to Sunday
MISS_SHARE = 0.1  # searches for a record the state does not hold
SAMPLE = 400  # records per state the year's searches draw from
CONCURRENCY = 128
COURTS = ("U.S. District Court", "Superior Court", "County Court")


@dataclass(frozen=True)
class Sample:
    """Search values that exist in one state (read from its records)."""

    drivers: list[tuple[str, str, str]]  # (oln, name, dob)
    vehicles: list[tuple[str, str, str]]  # (plate, vin, owner name)

    @classmethod
    def of(cls, store: RecordStore, size: int = SAMPLE) -> Sample:
        return cls(
            [(d.oln, d.name, d.dob) for d in store.list_drivers(size)],
            [(v.plate, v.vin, v.owner_name) for v in store.list_vehicles(size)],
        )


@dataclass(frozen=True)
class YearResult:
    messages: int
    answers: dict[str, int]  # status: count, over every destination
    truth: dict[str, int]  # "WA|ICE|DQ|I": count
    first: str
    last: str
    casework: dict[str, int] = field(default_factory=dict)  # "approved": count, ...


def year_count(scale: float) -> int:
    return max(1, round(HUB_QUERIES_PER_YEAR * scale))


def moments(rng: random.Random, count: int, until: dt.date) -> list[dt.datetime]:
    """``count`` times in the year before ``until``, with the daily and weekly rhythm."""
    start = dt.datetime.combine(until - dt.timedelta(days=365), dt.time(), tzinfo=dt.UTC)
    days = [start + dt.timedelta(days=d) for d in range(365)]
    day_weights = [WEEKDAY_WEIGHTS[d.weekday()] for d in days]
    picked_days = rng.choices(days, weights=day_weights, k=count)
    hours = rng.choices(range(24), weights=HOUR_WEIGHTS, k=count)
    times = [
        day
        + dt.timedelta(hours=hour, seconds=rng.randrange(3600), milliseconds=rng.randrange(1000))
        for day, hour in zip(picked_days, hours, strict=True)
    ]
    times.sort()
    return times


def message_for(query: Query, rng: random.Random, samples: dict[str, Sample]) -> Message:
    """The message of a drawn query, with search values from the destination's records."""
    state = rng.choice(CODES) if query.dest == ("NL",) else query.dest[0]
    sample = samples[state]
    miss = rng.random() < MISS_SHARE
    fields: dict[str, str]
    if query.mke in ("DQ", "KQ", "DNQ"):
        oln, name, dob = rng.choice(sample.drivers)
        if miss:
            oln, name = f"X{rng.randrange(10**8):08d}", f"NOBODY, {name.split(', ')[-1]}"
        if query.mke == "DNQ":
            fields = {"NAM": name}
        elif query.mke == "DQ" and rng.random() < 0.2:
            fields = {"NAM": name, "DOB": dob}
        else:
            fields = {"OLN": oln}
    else:
        plate, vin, owner = rng.choice(sample.vehicles)
        if miss:
            plate, vin = f"ZZ{rng.randrange(10**5):05d}", ""
            owner = f"NOBODY, {owner.split(', ')[-1]}"
        if query.mke == "RNQ":
            fields = {"NAM": owner}
        elif query.mke == "RPQ":
            fields = {"LIC": plate[:4] + "*"}
        elif vin and rng.random() < 0.15 and query.dest != ("NL",):
            fields = {"VIN": vin}
        else:
            fields = {"LIC": plate}
    warrant = None
    if query.warrant_kind:
        warrant = Warrant(
            kind=query.warrant_kind,
            id=f"{rng.randrange(1, 25)}:{rng.randrange(20, 27)}-mj-{rng.randrange(10**5):05d}",
            court=rng.choice(COURTS),
        )
    return Message(
        mke=query.mke,
        ori=query.ori,
        dest=tuple(query.dest),
        purpose=query.purpose,
        offense=query.offense,
        fields=fields,
        case_number=query.case_number if query.purpose in ("C", "W", "I") else "",
        warrant=warrant,
    )


def truth_key(state: str, component: str, mke: str, purpose: str) -> str:
    return f"{state}|{component}|{mke}|{purpose}"


def plan(
    network: EmbeddedNetwork, scale: float, seed: int, until: dt.date
) -> Iterator[tuple[dt.datetime, Message]]:
    """The year's messages in time order (deterministic for a seed)."""
    rng = random.Random(seed * 7919 + 1)
    mix = RequesterMix(network.directory)
    samples: dict[str, Sample] = {}
    for state in CODES:
        store = RecordStore.open(state, network.layout.records(state))
        try:
            samples[state] = Sample.of(store)
        finally:
            store.close()
    for moment in moments(rng, year_count(scale), until):
        yield moment, message_for(mix.draw(rng), rng, samples)


async def run_year(
    network: EmbeddedNetwork,
    *,
    scale: float,
    seed: int,
    until: dt.date,
    on_progress: Callable[[int, int], None] | None = None,
    concurrency: int = CONCURRENCY,
) -> YearResult:
    """Send the year through the hub (see :func:`send_year`)."""
    planned = plan(network, scale, seed, until)
    return await send_year(
        network,
        planned,
        seed=seed,
        until=until,
        total=year_count(scale),
        on_progress=on_progress,
        concurrency=concurrency,
    )


async def send_year(
    network: EmbeddedNetwork,
    planned: Iterable[tuple[dt.datetime, Message]],
    *,
    seed: int,
    until: dt.date,
    total: int,
    on_progress: Callable[[int, int], None] | None = None,
    concurrency: int = CONCURRENCY,
) -> YearResult:
    """Send ``planned`` messages (in time order, in the year before ``until``) through the
    hub, ``concurrency`` at a time, and do the casework as the traffic passes its moments
    (one worker at a time does it, the others keep sending); return what came back, the
    ground truth and what the casework did."""
    directory = network.directory
    truth: Counter[str] = Counter()
    answers: Counter[str] = Counter()
    end = dt.datetime.combine(until, dt.time(), tzinfo=dt.UTC)
    casework = Casework(network, seed=seed, end=end)
    span: list[str] = []  # the first and the last moment sent
    _ready(network)
    done = 0

    messages = iter(planned)
    doing = asyncio.Lock()  # who does the casework due

    async def worker() -> None:
        nonlocal done
        for moment, message in messages:  # one shared iterator: each message sent once
            if casework.due(moment) and not doing.locked():
                async with doing:
                    await casework.until(moment)
            received = moment.isoformat(timespec="milliseconds")
            span[:] = [min(span[0], received), max(span[1], received)] if span else [received] * 2
            component = directory.require(message.ori).component
            for state in network.hub.destinations(message):
                truth[truth_key(state, component, message.mke, message.purpose)] += 1
            reply = await network.hub.submit(message, received_at=received)
            answers.update(status.value for status in reply.summary.values())
            for state, status in reply.summary.items():
                if status is Status.HELD:
                    casework.held(state, reply.message_id, message.ori, moment)
            done += 1
            if on_progress is not None and done % 500 == 0:
                on_progress(done, total)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    await casework.until(end)
    casework.close_notices()
    if on_progress is not None:
        on_progress(done, total)
    first, last = span or ["", ""]
    return YearResult(
        done, dict(answers), dict(sorted(truth.items())), first, last, dict(casework.tally)
    )


def _ready(network: EmbeddedNetwork) -> None:
    """Open every node and start the audit service before the first message: opened on
    first use instead, the nodes would start while 128 messages wait, and the first of
    them would time out (UNAVAILABLE) on a slow machine although no node is down."""
    network.audit.start()
    for state in network.nodes:
        network.nodes[state]  # opens the node: its policy, records and log


def write_truth(path: Path, result: YearResult, *, scale: float, seed: int) -> None:
    path.write_text(
        json.dumps(
            {
                "scale": scale,
                "seed": seed,
                "messages": result.messages,
                "first": result.first,
                "last": result.last,
                "answers": result.answers,
                "casework": result.casework,
                "key": "owner state|requester component|message key|purpose",
                "counts": result.truth,
            },
            indent=1,
        ),
        encoding="utf-8",
    )
