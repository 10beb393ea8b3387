"""What a report covers: the signed checkpoint its Parquet copy was checked against.

Before a report reads the copy, the copy is brought up to the log's latest signed
checkpoint and checked against it, with the copy's lock held:

- the checkpoint's note must verify with the node's verifier key (by the independent
  verifier, :mod:`statelink.audit.verifier`), and the tree the log stores must give the
  signed root at the signed size;
- the parts must hold records 0 to size - 1, each once, no more and no fewer;
- each part's file must have the SHA-256 its seal records (:mod:`statelink.reports.seal`);
  a part sealed at an older checkpoint is carried over by a consistency proof from that
  checkpoint to this one; a part with no valid seal, or whose file changed, is checked
  record by record (:mod:`statelink.reports.reconciliation`) and sealed again.

A copy that does not match is refused (:class:`AuditInvalid`), naming the first record
that differs. The report then states its :class:`Anchor`: the log, the size and root of
the checkpoint, and the witnesses that cosigned it. The copy it reads is pinned to the
files checked (:class:`CheckedPart`: path, SHA-256, file identity); one that is gone or
changed when read fails the read, and :func:`read_checked` checks the copy again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple, TypeVar

from statelink.audit import verifier
from statelink.audit.keys import ORIGIN, NodeKeys
from statelink.audit.log import AuditLog, CheckpointRow
from statelink.errors import AuditInvalid
from statelink.reports.model import AnchorJson
from statelink.reports.reconciliation import Part, reconcile
from statelink.reports.seal import Identity, Seal, Seals, fingerprint
from statelink.reports.table import AuditTable, CheckedPart

Cosigners = Callable[[int], tuple[str, ...]]
"""The names of the witnesses that cosigned the checkpoint of a size."""


@dataclass(frozen=True)
class Anchor:
    origin: str
    size: int
    root: bytes
    witnessed_by: tuple[str, ...]

    def as_json(self) -> AnchorJson:
        return {
            "origin": self.origin,
            "size": self.size,
            "root": self.root.hex(),
            "witnessed_by": list(self.witnessed_by),
        }


class Anchored(NamedTuple):
    table: AuditTable  # pinned to the checked parts, as they were checked
    anchor: Anchor | None  # None: no signed checkpoint yet, and an empty copy


def statement(anchor: AnchorJson | None, state: str) -> str:
    """What a report covers, in a sentence for people."""
    if anchor is None:
        return f"The {state} audit log has no signed checkpoint yet: this report covers nothing."
    size, witnesses = anchor["size"], anchor["witnessed_by"]
    if witnesses:
        many = "witness" if len(witnesses) == 1 else "witnesses"
        seen = f"witnessed by {len(witnesses)} {many} ({', '.join(witnesses)})"
    else:
        seen = "not witnessed"
    return (
        f"Covers the {state} audit log up to record {max(size - 1, 0):,} "
        f"(signed checkpoint {anchor['origin']}, size {size:,}, root {anchor['root'][:16]}…), "
        f"{seen}."
    )


def anchor(table: AuditTable, log: AuditLog, keys: NodeKeys, cosigners: Cosigners) -> Anchored:
    """Bring the copy up to the latest signed checkpoint and check it against the log."""
    with table.locked():
        latest = log.latest_checkpoint()
        if latest is None:
            if table.size():
                raise AuditInvalid(_beyond(log.state, 0))
            return Anchored(table.pinned(()), None)
        signed = _signed(log, keys, latest)
        table.catch_up(log, signed.size)
        parts = _covering(table, log.state, signed.size)
        pinned = table.pinned(_Check(log, keys, signed).run(table, parts))
    found = Anchor(signed.origin, signed.size, signed.root, tuple(cosigners(signed.size)))
    return Anchored(pinned, found)


Read = TypeVar("Read")

ATTEMPTS = 3
"""How many times a report is checked and read when its copy keeps changing between the
check and the read (a rebuild or a refresh running meanwhile)."""


def read_checked(check: Callable[[], Anchored], read: Callable[[Anchored], Read]) -> Read:
    """``read`` of a copy as ``check`` (:func:`anchor`) found it; if a checked part changed
    before ``read`` was done with it (:meth:`AuditTable.confirm`), the copy is checked and
    read again, at most :data:`ATTEMPTS` times in all: a report never reads fewer records,
    or other files, than were checked."""
    for _ in range(ATTEMPTS - 1):
        copy = check()
        try:
            return read(copy)
        except AuditInvalid:
            continue  # the copy changed after its check: check it again
    return read(check())


def _signed(log: AuditLog, keys: NodeKeys, latest: CheckpointRow) -> verifier.Checkpoint:
    """The latest checkpoint, verified: its signature, and the stored tree's root."""
    state = log.state
    try:
        key = verifier.VerifierKey.parse(keys.signer.verifier_key())
        signed = verifier.open_checkpoint(latest.note, key)
    except verifier.VerificationError as e:
        raise AuditInvalid(f"the {state} audit log's latest checkpoint does not verify: {e}") from e
    if (signed.origin, signed.size, signed.root) != (
        ORIGIN.format(state=state),
        latest.size,
        latest.root,
    ):
        raise AuditInvalid(f"the {state} audit log's latest checkpoint is not the one it signed")
    if log.reader().root(signed.size) != signed.root:
        raise AuditInvalid(
            f"the {state} audit log's stored tree does not give its signed root at size "
            f"{signed.size:,}; check it with `statelink audit verify --state {state}`"
        )
    return signed


def _beyond(state: str, size: int) -> str:
    return (
        f"the {state} report copy holds records beyond the audit log's latest signed "
        f"checkpoint (from record {size}); rebuild the copy with "
        f"`statelink report --state {state} --rebuild`"
    )


def _covering(table: AuditTable, state: str, size: int) -> list[Part]:
    """The copy's parts, which must hold records 0 .. size - 1, each once."""
    parts = [Part(first, last, path) for first, last, path in table.parts()]
    expected = 0
    for part in parts:
        if part.first != expected:
            raise AuditInvalid(
                f"the {state} report copy does not match the audit log at record "
                f"{min(part.first, expected)} ({part.path.name}: the parts overlap or leave "
                f"a gap); rebuild the copy with `statelink report --state {state} --rebuild`"
            )
        expected = part.last + 1
    if expected > size:
        raise AuditInvalid(_beyond(state, size))
    if expected < size:
        raise AuditInvalid(
            f"the {state} report copy holds records 0 to {expected - 1} only, short of the "
            f"audit log's latest signed checkpoint (size {size:,}; record {expected} is "
            f"missing); check the log with `statelink audit verify --state {state}`"
        )
    return parts


class _Check:
    """The parts of one copy against one verified checkpoint."""

    def __init__(self, log: AuditLog, keys: NodeKeys, signed: verifier.Checkpoint) -> None:
        self.log = log
        self.keys = keys
        self.signed = signed
        self._extends: dict[tuple[int, str], bool] = {}

    def run(self, table: AuditTable, parts: list[Part]) -> list[CheckedPart]:
        """The parts as checked (the files hashed, each unchanged since), sealed."""
        seals = Seals(table.folder, self.keys)
        old = seals.read()
        checked = [self._part(part, old.get(part.path.name)) for part in parts]
        new = [
            Seal(c.path.name, c.sha256, self.signed.size, self.signed.root.hex()) for c in checked
        ]
        if {s.part: s for s in new} != old:
            seals.write(new)
        return checked

    def _part(self, part: Part, seal: Seal | None) -> CheckedPart:
        """The part as checked at this checkpoint, checking it again record by record
        unless its seal holds and the checkpoint it names is extended by this one."""
        digest, identity = fingerprint(part.path)
        size = self.signed.size
        if not (
            seal is not None
            and seal.sha256 == digest
            and part.last < seal.size <= size
            and self._extended(seal.size, seal.root)
        ):
            reconcile(self.log, part, size)
            if Identity.now(part.path) != identity:
                raise AuditInvalid(
                    f"the {self.log.state} report copy's part {part.path.name} changed while "
                    f"it was checked; rebuild the copy with "
                    f"`statelink report --state {self.log.state} --rebuild`"
                )
        return CheckedPart(part.first, part.last, part.path, digest, identity)

    def _extended(self, size: int, root_hex: str) -> bool:
        """Whether this checkpoint's tree extends the sealed one (RFC 9162 proof)."""
        key = (size, root_hex)
        if key not in self._extends:
            try:
                old = bytes.fromhex(root_hex)
                proof = self.log.reader().consistency(size, self.signed.size)
                verifier.verify_consistency(size, self.signed.size, old, self.signed.root, proof)
                self._extends[key] = True
            except (ValueError, verifier.VerificationError):
                self._extends[key] = False
        return self._extends[key]
