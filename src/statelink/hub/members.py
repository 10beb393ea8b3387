"""The hub's members: who may connect, how they prove it, and which ORIs each may send for.

A member is a connection to the hub: a state's switch, a federal component's line, or
one agency. It proves who it is with a client certificate (pinned by SHA-256
fingerprint) or a bearer token. Tokens are random 256-bit secrets, so the store keeps
only their SHA-256 (a slow hash adds nothing against guessing 2^256); a revoked token
stops working within a second (the hub rechecks a caller once a second).

A member owns ORIs: every state or local agency of its ``states``, every federal office
of its ``components``, and any ORI listed in ``oris``. A message whose ORI the member
does not own is refused.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import sqlalchemy as sa

from statelink.audit.record import utc_now
from statelink.directory import Agency
from statelink.errors import NotFound, UsageError
from statelink.states import CODES
from statelink.store.table_store import TableStore

FEDERAL_KINDS = frozenset({"FE", "JF"})
TOKEN_PREFIX = "slk_"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}")

metadata = sa.MetaData()
members = sa.Table(
    "members",
    metadata,
    sa.Column("name", sa.String(63), primary_key=True),
    sa.Column("states", sa.Text, nullable=False),  # JSON lists
    sa.Column("components", sa.Text, nullable=False),
    sa.Column("oris", sa.Text, nullable=False),
    sa.Column("cert_sha256", sa.String(64), nullable=True, unique=True),
    sa.Column("created_at", sa.String(30), nullable=False),
)
member_tokens = sa.Table(
    "member_tokens",
    metadata,
    sa.Column("token_id", sa.String(16), primary_key=True),
    sa.Column("member", sa.String(63), sa.ForeignKey("members.name"), nullable=False),
    sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.String(30), nullable=False),
    sa.Column("revoked_at", sa.String(30), nullable=True),
)


@dataclass(frozen=True)
class Token:
    """A member's bearer token as listed: its id and dates, never the token itself."""

    token_id: str
    created_at: str
    revoked_at: str | None


@dataclass(frozen=True)
class Member:
    name: str
    states: frozenset[str] = frozenset()
    components: frozenset[str] = frozenset()
    oris: frozenset[str] = frozenset()
    cert_sha256: str | None = None
    created_at: str = ""
    tokens: tuple[Token, ...] = field(default=(), compare=False)

    def owns(self, agency: Agency) -> bool:
        """Whether this member may send messages for the agency."""
        if agency.ori in self.oris:
            return True
        if agency.kind in FEDERAL_KINDS:
            return bool(agency.component) and agency.component in self.components
        return agency.state in self.states

    def to_json(self) -> dict[str, Any]:  # JSON boundary: `members show --json`
        return {
            "name": self.name,
            "states": sorted(self.states),
            "components": sorted(self.components),
            "oris": sorted(self.oris),
            "cert_sha256": self.cert_sha256,
            "created_at": self.created_at,
            "tokens": [asdict(t) for t in self.tokens],
        }


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class MemberStore(TableStore):
    what = "member list"
    metadata = metadata
    migrations = "members"

    def add(
        self,
        name: str,
        *,
        states: Iterable[str] = (),
        components: Iterable[str] = (),
        oris: Iterable[str] = (),
        cert_sha256: str | None = None,
    ) -> Member:
        if not _NAME.fullmatch(name):
            raise UsageError(f"member name {name!r}: 1 to 63 letters, digits, '.', '_' or '-'")
        states_ = sorted({s.strip().upper() for s in states})
        unknown = [s for s in states_ if s not in CODES]
        if unknown:
            raise UsageError(f"unknown state code(s): {', '.join(unknown)}")
        components_ = sorted({c.strip().upper() for c in components if c.strip()})
        oris_ = sorted({o.strip().upper() for o in oris if o.strip()})
        if not (states_ or components_ or oris_):
            raise UsageError("a member must own something: give --state, --component or --ori")
        if self.find(name) is not None:
            raise UsageError(f"member {name} exists; remove it first to change it")
        with self._write() as conn:
            conn.execute(
                members.insert().values(
                    name=name,
                    states=json.dumps(states_),
                    components=json.dumps(components_),
                    oris=json.dumps(oris_),
                    cert_sha256=cert_sha256.lower() if cert_sha256 else None,
                    created_at=utc_now(),
                )
            )
        return self.require(name)

    def remove(self, name: str) -> None:
        self.require(name)
        with self._write() as conn:
            conn.execute(member_tokens.delete().where(member_tokens.c.member == name))
            conn.execute(members.delete().where(members.c.name == name))

    def find(self, name: str) -> Member | None:
        rows = self._read(sa.select(members).where(members.c.name == name))
        return self._member(rows[0]._mapping) if rows else None

    def require(self, name: str) -> Member:
        member = self.find(name)
        if member is None:
            raise NotFound(f"no member {name}")
        return member

    def list(self) -> list[Member]:
        return [
            self._member(r._mapping)
            for r in self._read(sa.select(members).order_by(members.c.name))
        ]

    def issue_token(self, name: str) -> tuple[str, str]:
        """A new bearer token for the member: (token id, token). The token is shown once."""
        self.require(name)
        token_id = secrets.token_hex(4)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._write() as conn:
            conn.execute(
                member_tokens.insert().values(
                    token_id=token_id,
                    member=name,
                    token_sha256=_token_hash(token),
                    created_at=utc_now(),
                    revoked_at=None,
                )
            )
        return token_id, token

    def revoke_token(self, token_id: str) -> None:
        rows = self._read(sa.select(member_tokens).where(member_tokens.c.token_id == token_id))
        if not rows:
            raise NotFound(f"no token {token_id}")
        if rows[0].revoked_at is not None:
            return
        with self._write() as conn:
            conn.execute(
                member_tokens.update()
                .where(member_tokens.c.token_id == token_id)
                .values(revoked_at=utc_now())
            )

    def by_token(self, token: str) -> Member | None:
        """The member a live token belongs to, or None (unknown or revoked)."""
        query = (
            sa.select(members)
            .join(member_tokens, member_tokens.c.member == members.c.name)
            .where(member_tokens.c.token_sha256 == _token_hash(token))
            .where(member_tokens.c.revoked_at.is_(None))
        )
        rows = self._read(query)
        return self._member(rows[0]._mapping, with_tokens=False) if rows else None

    def by_certificate(self, sha256: str) -> Member | None:
        rows = self._read(sa.select(members).where(members.c.cert_sha256 == sha256.lower()))
        return self._member(rows[0]._mapping, with_tokens=False) if rows else None

    def _member(self, row: Any, *, with_tokens: bool = True) -> Member:
        tokens: tuple[Token, ...] = ()
        if with_tokens:
            found = self._read(
                sa.select(
                    member_tokens.c.token_id, member_tokens.c.created_at, member_tokens.c.revoked_at
                )
                .where(member_tokens.c.member == row["name"])
                .order_by(member_tokens.c.created_at)
            )
            tokens = tuple(Token(t.token_id, t.created_at, t.revoked_at) for t in found)
        return Member(
            name=row["name"],
            states=frozenset(json.loads(row["states"])),
            components=frozenset(json.loads(row["components"])),
            oris=frozenset(json.loads(row["oris"])),
            cert_sha256=row["cert_sha256"],
            created_at=row["created_at"],
            tokens=tokens,
        )
