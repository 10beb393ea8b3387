"""A state's witnesses, kept in its node database: who they are (name, verifier key,
URL) and the cosignatures they gave the state's checkpoints.

:func:`cosigned_checkpoint` is the latest checkpoint as it is served: the log's note with
the witnesses' cosignature lines after its own signature line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

import sqlalchemy as sa

from statelink.audit import verifier
from statelink.audit.log import AuditLog, CheckpointRow
from statelink.errors import NotFound, UsageError
from statelink.store.table_store import TableStore
from statelink.witness.client import checked_url

metadata = sa.MetaData()
witness = sa.Table(
    "witness",
    metadata,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("vkey", sa.Text, nullable=False),
    sa.Column("url", sa.String(500), nullable=False),
    sa.Column("added", sa.String(30), nullable=False),
)
cosignature = sa.Table(
    "cosignature",
    metadata,
    sa.Column("witness", sa.String(200), primary_key=True),
    sa.Column("size", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("timestamp", sa.BigInteger, nullable=False),
    sa.Column("line", sa.Text, nullable=False),
)


@dataclass(frozen=True)
class ConfiguredWitness:
    name: str
    vkey: str
    url: str
    added: str
    cosigned: int  # the largest size it cosigned for this state (0 if none)

    def key(self) -> verifier.CosignerKey:
        return verifier.CosignerKey.parse(self.vkey)

    def as_json(self) -> dict[str, str | int]:  # JSON boundary: `audit witnesses --json`
        return {
            "name": self.name,
            "key": self.vkey,
            "url": self.url,
            "added": self.added,
            "cosigned": self.cosigned,
        }


class KeptLine(NamedTuple):
    size: int
    line: str


class WitnessRegistry(TableStore):
    what = "witnesses"
    metadata = metadata
    migrations = "witnesses"

    def add(self, url: str, vkey: str) -> ConfiguredWitness:
        """Configure a witness by its URL (its submission prefix) and verifier key."""
        try:
            key = verifier.CosignerKey.parse(vkey)
        except verifier.VerificationError as e:
            raise UsageError(f"--key: {e}") from None
        url = checked_url(url)
        if any(w.name == key.name for w in self.witnesses()):
            raise UsageError(f"{self.state} already has a witness named {key.name}")
        with self._write() as conn:
            conn.execute(
                witness.insert().values(name=key.name, vkey=vkey.strip(), url=url, added=_now())
            )
        return self.require(key.name)

    def remove(self, name: str) -> None:
        with self._write() as conn:
            if not conn.execute(witness.delete().where(witness.c.name == name)).rowcount:
                raise NotFound(f"{self.state} has no witness named {name}")
            conn.execute(cosignature.delete().where(cosignature.c.witness == name))

    def witnesses(self) -> list[ConfiguredWitness]:
        cosigned = (
            sa.select(sa.func.max(cosignature.c.size))
            .where(cosignature.c.witness == witness.c.name)
            .scalar_subquery()
        )
        rows = self._read(sa.select(witness, cosigned.label("cosigned")).order_by(witness.c.name))
        return [
            ConfiguredWitness(r.name, r.vkey, r.url, r.added, int(r.cosigned or 0)) for r in rows
        ]

    def require(self, name: str) -> ConfiguredWitness:
        for found in self.witnesses():
            if found.name == name:
                return found
        raise NotFound(f"{self.state} has no witness named {name}")

    def keep(self, cosigned: verifier.Cosignature) -> None:
        """Keep a verified cosignature (the newest of a witness for a size wins)."""
        c = cosignature.c
        with self._write() as conn:
            conn.execute(
                cosignature.delete().where(c.witness == cosigned.name, c.size == cosigned.size)
            )
            conn.execute(
                cosignature.insert().values(
                    witness=cosigned.name,
                    size=cosigned.size,
                    timestamp=cosigned.timestamp,
                    line=cosigned.line,
                )
            )

    def kept_above(self, name: str, size: int) -> list[KeptLine]:
        """The cosignatures kept from witness ``name`` for sizes above ``size``, largest
        first (kept only once verified, so they show the witness saw that many records)."""
        c = cosignature.c
        query = (
            sa.select(c.size, c.line)
            .where(c.witness == name, c.size > size)
            .order_by(c.size.desc())
        )
        return [KeptLine(int(r.size), r.line) for r in self._read(query)]

    def lines(self, size: int) -> list[str]:
        """The cosignature lines kept for the checkpoint of ``size``, by witness name."""
        c = cosignature.c
        query = sa.select(c.line).where(c.size == size).order_by(c.witness)
        return [r.line for r in self._read(query)]


def cosigned_checkpoint(
    audit_log: AuditLog, witnesses: WitnessRegistry, latest: CheckpointRow | None = None
) -> str:
    """The latest signed checkpoint (or ``latest``) with its witnesses' cosignature lines
    after the log's own signature line (C2SP tlog-cosignature); NotFound before the first."""
    latest = latest or audit_log.latest_checkpoint()
    if latest is None:
        raise NotFound(f"{audit_log.state} has no signed checkpoint yet")
    lines = witnesses.lines(latest.size)
    return latest.note + "".join(f"{line}\n" for line in lines)


def witnessed_by(witnesses: WitnessRegistry, latest: CheckpointRow) -> tuple[str, ...]:
    """The names of the configured witnesses whose kept cosignature of ``latest`` verifies
    with their key."""
    note = latest.note + "".join(f"{line}\n" for line in witnesses.lines(latest.size))
    found = []
    for witness in witnesses.witnesses():
        try:
            if verifier.cosignatures(note, witness.key()):
                found.append(witness.name)
        except verifier.VerificationError:
            continue  # a kept line that does not verify is not a cosignature
    return tuple(found)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
