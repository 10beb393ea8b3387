"""Letters for notices: one HTML page per notice, and a CSV for a mail merge.

The HTML letter is self-contained (inline style, no scripts, no external assets) so it
prints the same anywhere; every value in it is escaped.
"""

from __future__ import annotations

import datetime as dt
import io
from html import escape
from pathlib import Path
from string import Template

from statelink.messages.fields import PURPOSES
from statelink.notices.store import Notice
from statelink.spreadsheet import Writer
from statelink.states import STATES

RECORD = {"driver": "driver licence record", "vehicle": "vehicle registration record"}

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
)

_LETTER = Template("""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Notice $notice_id</title>
<style>
body { font: 12pt/1.45 Georgia, serif; max-width: 40em; margin: 3em auto; color: #111; }
.from, .to { margin-bottom: 2em; } .ref { color: #444; font-size: 10pt; }
</style></head><body>
<div class="from">$office</div>
<div class="to">$name<br>$street<br>$city, $state $zip</div>
<p>$released_on_long</p>
<p>Dear $name,</p>
<p>On $released_on_long, $office released your $record to
<strong>$agency</strong> (agency identifier $ori), which asked for it for
$purpose.</p>
<p>The law of $state_name requires that we tell you when your record is released to this
agency. You may ask us which of your records were released, and to whom, at any time.</p>
<p class="ref">Reference: notice $notice_id, message $message_id.</p>
</body></html>
""")


def long_date(day: dt.date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def office(state: str) -> str:
    return f"{STATES[state].name} Department of Motor Vehicles"


def letter_html(state: str, item: Notice) -> str:
    values = {
        "notice_id": str(item.id),
        "office": office(state),
        "name": item.name,
        "street": item.street,
        "city": item.city,
        "state": item.address_state,
        "zip": item.zip,
        "released_on_long": long_date(item.released_on),
        "record": RECORD.get(item.record_kind, "record"),
        "agency": item.agency,
        "ori": item.ori,
        "purpose": PURPOSES.get(item.purpose, item.purpose),
        "state_name": STATES[state].name,
        "message_id": item.message_id,
    }
    return _LETTER.substitute({k: escape(v) for k, v in values.items()})


def mail_merge_csv(items: list[Notice]) -> str:
    """One row per notice; text cells (an agency's name...) are neutralised for spreadsheets."""
    out = io.StringIO()
    writer = Writer(out)
    writer.writerow(CSV_FIELDS)
    for n in items:
        writer.writerow(
            (
                n.id,
                n.name,
                n.street,
                n.city,
                n.address_state,
                n.zip,
                RECORD.get(n.record_kind, n.record_kind),
                n.agency,
                n.ori,
                PURPOSES.get(n.purpose, n.purpose),
                n.released_on.isoformat(),
                n.due_on.isoformat(),
                n.message_id,
            )
        )
    return out.getvalue()


def export(state: str, items: list[Notice], folder: Path) -> list[Path]:
    """Write ``notice-<id>.html`` per notice and ``mail-merge.csv``; return the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for item in items:
        path = folder / f"notice-{item.id}.html"
        path.write_text(letter_html(state, item), encoding="utf-8")
        written.append(path)
    merge = folder / "mail-merge.csv"
    merge.write_text(mail_merge_csv(items), encoding="utf-8")
    written.append(merge)
    return written
