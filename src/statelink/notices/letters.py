"""Letters for notices: one HTML page per notice, all of them in one file to print, and a
CSV for a mail merge.

A letter says, in words a resident can read: who we released which record to (the
agency's name and ORI), on what day, what that record holds, why the law allowed it
(the rules that permitted it, with their laws: :mod:`statelink.notices.basis`), what the
resident can do, and how to reach the state (its contact setting,
:mod:`statelink.policy.contact`). A state that has not set its contact details gets
letters that say so plainly.

The HTML is self-contained (inline style, no scripts, no external assets, and a
Content-Security-Policy that forbids them anyway) so it prints the same anywhere, one
letter per page; every value in it is escaped (Jinja's autoescape). PDF is the
browser's "Print to PDF": see ``docs/review.md`` for why statelink has no PDF engine.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from statelink.messages.fields import PURPOSES
from statelink.notices.names import display_name, salutation
from statelink.notices.store import Notice
from statelink.spreadsheet import Writer
from statelink.states import STATES

if TYPE_CHECKING:
    from jinja2 import Template

    from statelink.notices.basis import Basis
    from statelink.policy.contact import Contact

RECORD = {"driver": "driver licence record", "vehicle": "vehicle registration record"}

RELEASED = {
    "driver": "your name, address, date of birth, sex, height and eye colour; your licence "
    "number, class, status and restrictions; and the dates your licence was issued and "
    "expires",
    "vehicle": "the registration of a vehicle in your name: its plate, vehicle "
    "identification number (VIN), make, model, year and colour, and your name and "
    "address as its owner",
}
"""What a released record holds, in words (the fields of contract 2's records)."""
HISTORY = (
    "; and your driving history (the licence's issues, renewals, convictions, suspensions "
    "and accidents on record)"
)

PURPOSE_WORDS = {
    "C": "a criminal investigation",
    "T": "a traffic stop or another roadside check",
    "W": "serving a warrant",
    "M": "a missing-person case",
    "I": "civil immigration enforcement",
    "A": "an administrative or licensing matter",
    "J": "a criminal-justice employment check",
}
"""The purpose codes as a sentence ends: "which asked for it for ..."."""

CSV_FIELDS = (
    "notice_id",
    "name",
    "street",
    "city",
    "state",
    "zip",
    "record",
    "agency",
    "agency_ori",
    "purpose",
    "released_on",
    "due_on",
    "reference",
    # since the letters name the basis and the state's contact details
    "salutation",
    "addressee",
    "letter_date",
    "released",
    "legal_basis",
    "contact",
    "contact_name",
    "contact_address",
    "contact_email",
    "contact_phone",
    "contact_web",
)
LETTERS_FILE = "letters.html"
MERGE_FILE = "mail-merge.csv"


def long_date(day: dt.date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def office(state: str) -> str:
    """Who writes the letter while the state has not set its contact details."""
    return f"{STATES[state].name} Department of Motor Vehicles"


@dataclass(frozen=True)
class Letter:
    """Everything one letter says, in words, before it is written as HTML or a CSV row."""

    state: str  # the state that owes it
    notice: Notice
    written_on: dt.date
    contact: Contact | None  # None: the state has not set its contact details
    basis: Basis | None  # None: the audit log or the policy set could not tell

    @property
    def salutation(self) -> str:
        return salutation(self.notice.name)

    @property
    def addressee(self) -> str:
        return display_name(self.notice.name) or self.notice.name

    @property
    def sender(self) -> str:
        return self.contact.name if self.contact else office(self.state)

    @property
    def state_name(self) -> str:
        return STATES[self.state].name

    @property
    def record(self) -> str:
        return RECORD.get(self.notice.record_kind, "record")

    @property
    def purpose(self) -> str:
        code = self.notice.purpose
        return PURPOSE_WORDS.get(code, PURPOSES.get(code, "a purpose it gave"))

    @property
    def released(self) -> str:
        """What the released record holds, in words."""
        what = RELEASED.get(self.notice.record_kind, "the record we hold about you")
        if self.notice.record_kind == "driver" and self.basis and self.basis.mke == "KQ":
            what += HISTORY
        return what[:1].upper() + what[1:] + "."

    @property
    def legal_basis(self) -> list[str]:
        """Each rule that permitted the release: its reason, then its law."""
        if self.basis is None:
            return []
        reasons = [(_sentence(r.reason), r.law) for r in self.basis.rules]
        return [f"{reason} Law: {law}." if law else reason for reason, law in reasons]

    @property
    def unknown_basis(self) -> str:
        return (
            "The rule under which it was released is recorded in the state's audit log "
            f"under message {self.notice.message_id}; ask us and we will tell you."
        )

    @property
    def missing_contact(self) -> str:
        return (
            f"{self.state_name} has not set its contact details for these letters yet, "
            "so we cannot print them here."
        )

    @property
    def reference(self) -> str:
        return f"notice {self.notice.id}"


def letters(
    state: str,
    items: Sequence[Notice],
    *,
    on: dt.date,
    contact: Contact | None = None,
    bases: Mapping[str, Basis] | None = None,
) -> list[Letter]:
    """The letters of ``items``, dated ``on``, with the state's contact details and each
    release's basis by message id (those missing are said to be on record)."""
    found = bases or {}
    return [Letter(state, n, on, contact, found.get(n.message_id)) for n in items]


def letter_html(letter: Letter) -> str:
    """One letter as a page of its own."""
    return letters_html([letter])


def letters_html(items: Sequence[Letter]) -> str:
    """Letters in one document, each on its own printed page."""
    first = items[0].notice.id if items else 0
    title = f"Notice {first}" if len(items) == 1 else f"{len(items)} notices"
    return _template().render(letters=items, title=title, style=STYLE, long_date=long_date)


def mail_merge_csv(items: Sequence[Letter]) -> str:
    """One row per letter; text cells (an agency's name...) are neutralised for spreadsheets."""
    out = io.StringIO()
    writer = Writer(out)
    writer.writerow(CSV_FIELDS)
    for letter in items:
        n, contact = letter.notice, letter.contact
        writer.writerow(
            (
                n.id,
                n.name,
                n.street,
                n.city,
                n.address_state,
                n.zip,
                letter.record,
                n.agency,
                n.ori,
                PURPOSES.get(n.purpose, n.purpose),
                n.released_on.isoformat(),
                n.due_on.isoformat(),
                n.message_id,
                letter.salutation,
                letter.addressee,
                letter.written_on.isoformat(),
                letter.released,
                " ".join(letter.legal_basis) or letter.unknown_basis,
                contact.one_line() if contact else letter.missing_contact,
                contact.name if contact else "",
                ", ".join(contact.address) if contact else "",
                contact.email if contact else "",
                contact.phone if contact else "",
                contact.web if contact else "",
            )
        )
    return out.getvalue()


def export(folder: Path, items: Sequence[Letter]) -> list[Path]:
    """Write ``notice-<id>.html`` per letter, all of them in ``letters.html`` (to print at
    once, one per page) and ``mail-merge.csv``; return the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for letter in items:
        path = folder / f"notice-{letter.notice.id}.html"
        path.write_text(letter_html(letter), encoding="utf-8")
        written.append(path)
    for name, text in ((LETTERS_FILE, letters_html(items)), (MERGE_FILE, mail_merge_csv(items))):
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def _sentence(text: str) -> str:
    """``text`` ending as a sentence does."""
    return text if text.endswith((".", "!", "?")) else text + "."


@cache
def _template() -> Template:
    from jinja2 import Environment  # only when letters are written

    return Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True).from_string(PAGE)


STYLE = """
@page { size: letter; margin: 18mm 20mm; }
body { font: 11pt/1.4 Georgia, "Times New Roman", serif; color: #111; margin: 0;
  overflow-wrap: anywhere; }
.letter { max-width: 42em; margin: 2em auto; padding: 0 1em;
  break-after: page; page-break-after: always; }
.letter:last-child { break-after: auto; page-break-after: auto; }
.from { margin-bottom: 1.2em; } .date { margin: 0 0 1.2em; } .to { margin-bottom: 1.6em; }
h1 { font-size: 12.5pt; margin: 0 0 .9em; }
h2 { font-size: 11pt; margin: 1em 0 .25em; break-after: avoid; page-break-after: avoid; }
p { margin: 0 0 .6em; } ul { margin: 0 0 .6em; padding-left: 1.3em; }
.missing { border-left: 3px solid #a00; padding-left: .6em; }
.ref { color: #444; font-size: 9.5pt; margin-top: 1.4em; }
@media print { .letter { margin: 0; max-width: none; padding: 0; } }
"""

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>{{ style | safe }}</style></head><body>
{% for l in letters %}
{% set n = l.notice %}
<article class="letter">
<div class="from">{{ l.sender }}{% for line in (l.contact.address if l.contact else ()) %}
<br>{{ line }}{% endfor %}</div>
<p class="date">{{ long_date(l.written_on) }}</p>
<div class="to">{{ l.addressee }}<br>{{ n.street }}
<br>{{ n.city }}, {{ n.address_state }} {{ n.zip }}</div>
<h1>Your {{ l.record }} was released to {{ n.agency }}</h1>
<p>{{ l.salutation }}</p>
<p>The law of {{ l.state_name }} requires us to tell you when your records are released to
certain agencies. On {{ long_date(n.released_on) }}, we released your {{ l.record }} to
<strong>{{ n.agency }}</strong> (agency identifier {{ n.ori }}), which asked for it for
{{ l.purpose }}.</p>
<h2>What was released</h2>
<p>{{ l.released }}</p>
<h2>Why the law allowed it</h2>
{% if l.legal_basis %}
<ul class="basis">
{% for line in l.legal_basis %}<li>{{ line }}</li>
{% endfor %}</ul>
{% if l.basis.reviewed %}
<p>A reviewer of {{ l.state_name }} approved this request case by case before anything was
released.</p>
{% endif %}
{% else %}
<p>{{ l.unknown_basis }}</p>
{% endif %}
<h2>What you can do</h2>
<ul>
<li>Ask us at any time which of your records were released, to whom and why: we will send
you a report of every access to them.</li>
<li>If you think this release was wrong, or you want to know more, contact us, quoting
{{ l.reference }}.</li>
<li>You do not have to do anything: this letter is for your information.</li>
</ul>
<h2>How to contact us</h2>
{% if l.contact %}
<p class="contact">{{ l.contact.name }}{% if l.contact.address %}, at the address above{% endif %}
{% for label, value in l.contact.ways() %}
<br>{{ label }}: {{ value }}{% endfor %}</p>
{% else %}
<p class="missing">{{ l.missing_contact }}</p>
{% endif %}
<p class="ref">Reference: {{ l.reference }}, message {{ n.message_id }}. Released on
{{ n.released_on.isoformat() }}; letter of {{ l.written_on.isoformat() }}.</p>
</article>
{% endfor %}
</body></html>
"""
