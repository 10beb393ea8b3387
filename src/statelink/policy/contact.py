"""The state's contact details: whom a resident who got a letter can write to, and how.

One set per state, kept with its other settings and printed in every letter
(:mod:`statelink.notices.letters`). A name is required, and at least one way to reach
it: a postal address (up to 5 lines), an email address, a telephone number or a web
page. Each is checked when it is set (:meth:`Contact.checked`), with a one-line
:class:`UsageError` naming the detail, the value and what is allowed:

- name: 1 to 120 printable characters (``WA DOL Privacy Office``);
- address: up to 5 lines of at most 100 printable characters;
- email: ``name@domain.tld``, at most 254 characters, no spaces;
- phone: 7 to 15 digits, written with spaces, ``+ ( ) - .`` as people write them, and an
  extension (``ext. 12``), at most 40 characters;
- web: an ``https://`` address of at most 200 characters (a privacy office's page is
  served over HTTPS; a plain ``http://`` link in a letter is a mistake).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from statelink.errors import UsageError
from statelink.policy.limits import refuse

MAX_NAME = 120
MAX_LINES = 5
MAX_LINE = 100
MAX_EMAIL = 254
MAX_PHONE = 40
MAX_WEB = 200

_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
_PHONE = re.compile(r"\+?[0-9 ().-]+?(?: ?(?:ext\.?|x) ?[0-9]{1,6})?", re.IGNORECASE)
_EXTENSION = re.compile(r" ?(?:ext\.?|x) ?[0-9]{1,6}$", re.IGNORECASE)
_BLANKS = re.compile(r"[ \t]+")
_HOST = re.compile(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")


@dataclass(frozen=True)
class Contact:
    name: str
    address: tuple[str, ...] = ()  # postal address, one line each
    email: str = ""
    phone: str = ""
    web: str = ""

    def checked(self) -> Contact:
        """These details with spaces tidied, if each is allowed (else UsageError)."""
        tidy = replace(
            self,
            name=_line(self.name),
            address=tuple(line for line in map(_line, self.address) if line),
            email=self.email.strip(),
            phone=_line(self.phone),
            web=self.web.strip(),
        )
        tidy._check_name()
        tidy._check_address()
        if tidy.email and (len(tidy.email) > MAX_EMAIL or not _EMAIL.fullmatch(tidy.email)):
            raise refuse(
                "contact email", "an address like privacy@dol.wa.gov", repr(self.email[:120])
            )
        if tidy.phone and not _phone(tidy.phone):
            raise refuse(
                "contact phone",
                f"7 to 15 digits, as in +1 (360) 902-3900 ext. 12, at most {MAX_PHONE} characters",
                repr(self.phone[:120]),
            )
        if tidy.web and not _web(tidy.web):
            raise refuse(
                "contact web",
                f"an https:// address of at most {MAX_WEB} characters",
                repr(self.web[:120]),
            )
        if not (tidy.address or tidy.email or tidy.phone or tidy.web):
            raise UsageError(
                "contact: give at least one way to reach "
                f"{tidy.name!r}: an address, an email, a phone or a web page"
            )
        return tidy

    def _check_name(self) -> None:
        if not 1 <= len(self.name) <= MAX_NAME or not self.name.isprintable():
            raise refuse(
                "contact name",
                f"whom residents write to, 1 to {MAX_NAME} printable characters",
                repr(self.name[:120]),
            )

    def _check_address(self) -> None:
        if len(self.address) > MAX_LINES:
            raise refuse(
                "contact address",
                f"at most {MAX_LINES} lines",
                f"{len(self.address)} lines",
            )
        for line in self.address:
            if len(line) > MAX_LINE or not line.isprintable():
                raise refuse(
                    "contact address",
                    f"lines of at most {MAX_LINE} printable characters",
                    repr(line[:120]),
                )

    def updated(
        self,
        *,
        name: str | None = None,
        address: tuple[str, ...] | None = None,
        email: str | None = None,
        phone: str | None = None,
        web: str | None = None,
    ) -> Contact:
        """These details with those given changed (None: kept), not yet checked."""
        return Contact(
            self.name if name is None else name,
            self.address if address is None else address,
            self.email if email is None else email,
            self.phone if phone is None else phone,
            self.web if web is None else web,
        )

    def ways(self) -> list[tuple[str, str]]:
        """The ways to reach the state besides the post: (label, value), those set."""
        found = [("Email", self.email), ("Telephone", self.phone), ("Web", self.web)]
        return [(label, value) for label, value in found if value]

    def one_line(self) -> str:
        """Every detail on one line (a mail merge's cell)."""
        parts = [self.name, ", ".join(self.address), *(value for _, value in self.ways())]
        return "; ".join(part for part in parts if part)

    def as_dict(self) -> dict[str, str | list[str]]:
        return {
            "name": self.name,
            "address": list(self.address),
            "email": self.email,
            "phone": self.phone,
            "web": self.web,
        }


def _line(text: str) -> str:
    """``text`` with runs of spaces and tabs made one space (a line break is kept, so
    that it is refused: every detail is one line)."""
    return _BLANKS.sub(" ", text).strip(" ")


def _phone(text: str) -> bool:
    if len(text) > MAX_PHONE or not _PHONE.fullmatch(text):
        return False
    digits = sum(c.isdigit() for c in _EXTENSION.sub("", text))
    return 7 <= digits <= 15


def _web(text: str) -> bool:
    if len(text) > MAX_WEB or not text.isascii() or not text.isprintable() or " " in text:
        return False
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    host = parts.hostname or ""
    return (
        parts.scheme == "https"
        and not parts.username
        and not parts.password
        and _HOST.fullmatch(host) is not None
    )
