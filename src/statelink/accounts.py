"""Dashboard accounts: who may look (``viewer``), who may decide reviews (``reviewer``),
and who may also adopt a policy set from the What-if page (``admin``).

Accounts live in the data folder (``accounts.json``, readable by its owner only). A
password is stored as an scrypt hash with its own salt; checking an unknown name costs
the same as checking a known one, so timing does not tell which names exist.

Changing an account's password (:meth:`Accounts.passwd`, or replacing the account with
:meth:`Accounts.add`) and removing it end all of its dashboard sessions in the
:class:`~statelink.sessions.SessionStore` the accounts were opened with. A session holds
only the account's name, and the dashboard reads the role and states at every request,
so a change of role or states alone needs no sign-out: it shows at the next page.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from statelink.errors import NotFound, UsageError
from statelink.sessions import SessionStore
from statelink.states import CODES

ROLES = ("viewer", "reviewer", "admin")
ALL_STATES = "*"
_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,39}")
_N, _R, _P = 2**14, 8, 1
MIN_PASSWORD = 10


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, digest = stored.split("$")
        given = hashlib.scrypt(
            password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except ValueError:
        return False
    return hmac.compare_digest(given.hex(), digest)


_DUMMY = hash_password("not a password", b"\0" * 16)


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    states: tuple[str, ...]  # NCIC codes, or ("*",) for every state
    password: str  # scrypt hash

    def sees(self, state: str) -> bool:
        return ALL_STATES in self.states or state in self.states

    def reviews(self, state: str) -> bool:
        return self.role in ("reviewer", "admin") and self.sees(state)

    def administers(self, state: str) -> bool:
        """May apply a policy set for the state (a state admin)."""
        return self.role == "admin" and self.sees(state)

    def visible(self, states: list[str]) -> list[str]:
        return [s for s in states if self.sees(s)]

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "role": self.role, "states": list(self.states)}


class Accounts:
    """The accounts in ``path``; ``sessions``: the dashboard's session store, where a
    password change or a removal ends the account's sessions. Whatever changes accounts
    that a dashboard signs in with passes it; None only where no session can exist yet
    (a new demo folder, tests)."""

    def __init__(self, path: Path, sessions: SessionStore | None = None) -> None:
        self.path = path
        self.sessions = sessions

    def all(self) -> list[Account]:
        try:
            rows = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as e:
            raise UsageError(f"cannot read accounts from {self.path}: {e}") from None
        return [Account(r["name"], r["role"], tuple(r["states"]), r["password"]) for r in rows]

    def get(self, name: str) -> Account | None:
        return next((a for a in self.all() if a.name == name.strip().lower()), None)

    def verify(self, name: str, password: str) -> Account | None:
        """The account if the password is right; the same work whether or not it exists."""
        account = self.get(name)
        ok = check_password(password, account.password if account else _DUMMY)
        return account if ok and account is not None else None

    def add(self, name: str, role: str, states: list[str], password: str) -> Account:
        """Add an account, or replace the one of that name (its sessions end: the
        password is set anew)."""
        name = name.strip().lower()
        if not _NAME.fullmatch(name):
            raise UsageError(
                f"account name: expected 1-40 of a-z 0-9 . _ - (starting with a letter or "
                f"digit), given {name!r}"
            )
        if role not in ROLES:
            raise UsageError(f"role: expected one of {', '.join(ROLES)}, given {role!r}")
        codes = sorted({s.strip().upper() for s in states if s.strip()})
        if not codes:
            raise UsageError("give the states the account may see (--state WA), or --state '*'")
        unknown = [c for c in codes if c != ALL_STATES and c not in CODES]
        if unknown:
            raise UsageError(f"unknown state(s): {', '.join(unknown)}")
        _check_length(password)
        account = Account(
            name,
            role,
            (ALL_STATES,) if ALL_STATES in codes else tuple(codes),
            hash_password(password),
        )
        others = [a for a in self.all() if a.name != name]
        replaced = len(others) < len(self.all())
        self._save([*others, account])
        if replaced:
            self._end_sessions(name)
        return account

    def passwd(self, name: str, password: str) -> Account:
        """Change an account's password; all of its sessions end."""
        found = self.get(name)
        if found is None:
            raise NotFound(f"no account {name!r}")
        _check_length(password)
        changed = replace(found, password=hash_password(password))
        self._save([changed if a.name == found.name else a for a in self.all()])
        self._end_sessions(found.name)
        return changed

    def remove(self, name: str) -> None:
        """Remove an account; all of its sessions end."""
        name = name.strip().lower()
        every = self.all()
        kept = [a for a in every if a.name != name]
        if len(kept) == len(every):
            raise NotFound(f"no account {name!r}")
        self._save(kept)
        self._end_sessions(name)

    def _end_sessions(self, name: str) -> None:
        # after the file is saved: a sign-in in between meets the new password (or none)
        if self.sessions is not None:
            self.sessions.end_all(name)

    def _save(self, accounts: list[Account]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump([asdict(a) for a in accounts], out, indent=2)
        os.replace(temporary, self.path)


def _check_length(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UsageError(f"a password needs at least {MIN_PASSWORD} characters")


DEMO_ACCOUNTS = (("reviewer", "reviewer"), ("viewer", "viewer"), ("admin", "admin"))


def demo_accounts(accounts: Accounts, notes: Path) -> list[tuple[str, str, str]]:
    """The demo's sign-ins (name, role, password), made once when there are no accounts.

    Their passwords are random, kept only in ``notes`` (owner-readable) for the demo to
    print; an installation with its own accounts gets none.
    """
    if not accounts.all() and not notes.exists():
        made = [(name, role, secrets.token_urlsafe(12)) for name, role in DEMO_ACCOUNTS]
        for name, role, password in made:
            accounts.add(name, role, [ALL_STATES], password)
        fd = os.open(notes, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.writelines(f"{name}\t{role}\t{password}\n" for name, role, password in made)
    try:
        lines = notes.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    known = {a.name for a in accounts.all()}
    rows = [tuple(line.split("\t")) for line in lines if line.count("\t") == 2]
    return [(n, r, p) for n, r, p in rows if n in known]


def session_secret(path: Path) -> bytes:
    """The key that signs dashboard session cookies (which carry a session's id): made
    once, kept with the data."""
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        pass
    key = secrets.token_bytes(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(key.hex())
    return key
