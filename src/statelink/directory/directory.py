"""The directory: every agency on the network by ORI, read from and written to contract-4 CSV."""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from statelink.directory.agency import CSV_COLUMNS, Agency, InvalidAgency
from statelink.errors import CsvInvalid, FieldError, NotFound, UnknownAgency
from statelink.spreadsheet import DictReader, DictWriter


class Directory:
    """An immutable set of agencies, indexed by ORI."""

    def __init__(self, agencies: Iterable[Agency]) -> None:
        self._by_ori: dict[str, Agency] = {}
        for agency in agencies:
            self._by_ori[agency.ori] = agency
        self._digest: str | None = None

    # --- lookups ---------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._by_ori)

    def __iter__(self) -> Iterator[Agency]:
        return iter(sorted(self._by_ori.values(), key=lambda a: a.ori))

    def __contains__(self, ori: object) -> bool:
        return ori in self._by_ori

    def get(self, ori: str) -> Agency | None:
        return self._by_ori.get(ori)

    def require(self, ori: str) -> Agency:
        """The agency with this ORI; an unknown ORI is refused (fail closed)."""
        agency = self._by_ori.get(ori)
        if agency is None:
            raise UnknownAgency(ori)
        return agency

    def show(self, ori: str) -> Agency:
        agency = self._by_ori.get(ori.strip().upper())
        if agency is None:
            raise NotFound(f"no agency with ORI {ori!r} in the directory")
        return agency

    def select(
        self,
        *,
        state: str | None = None,
        kind: str | None = None,
        component: str | None = None,
        group: str | None = None,
        name: str | None = None,
    ) -> list[Agency]:
        """Agencies matching every filter given (case-insensitive), in ORI order."""
        wanted_name = name.lower() if name else None
        return [
            a
            for a in self
            if (state is None or a.state == state.upper())
            and (kind is None or a.kind == kind.upper())
            and (component is None or a.component == component.upper())
            and (group is None or group.lower() in a.groups)
            and (wanted_name is None or wanted_name in a.name.lower())
        ]

    def groups(self) -> dict[str, int]:
        """Every group name with the number of agencies in it."""
        counts: dict[str, int] = {}
        for agency in self._by_ori.values():
            for group in agency.groups:
                counts[group] = counts.get(group, 0) + 1
        return dict(sorted(counts.items()))

    @property
    def digest(self) -> str:
        """SHA-256 of the canonical CSV: changes exactly when the directory does."""
        if self._digest is None:
            self._digest = hashlib.sha256(self.to_csv().encode()).hexdigest()
        return self._digest

    # --- changes -----------------------------------------------------------------

    def merged(self, incoming: Directory, *, replace: bool = False) -> Directory:
        """This directory with ``incoming`` upserted by ORI (or replacing everything)."""
        if replace:
            return incoming
        return Directory([*self._by_ori.values(), *incoming._by_ori.values()])

    # --- CSV (contract 4) --------------------------------------------------------

    def to_csv(self) -> str:
        """The canonical CSV, spreadsheet-safe: :meth:`parse_csv` gives back every value."""
        out = io.StringIO()
        writer = DictWriter(out, CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(a.row() for a in self)
        return out.getvalue()

    def write(self, path: Path) -> None:
        """Write the CSV atomically: readers see the old file or the new one."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".directory-", suffix=".csv")
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(self.to_csv())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)

    @classmethod
    def parse_csv(cls, text: str, source: str = "<csv>") -> Directory:
        """Check and read contract-4 CSV; a ``'`` that :meth:`to_csv` added is undone."""
        reader = DictReader(io.StringIO(text))
        missing = [c for c in ("ori", "name", "kind") if c not in (reader.fieldnames or [])]
        if missing:
            raise CsvInvalid(
                source,
                1,
                FieldError(
                    "header",
                    f"columns {','.join(CSV_COLUMNS)}",
                    repr(",".join(reader.fieldnames or [])),
                ),
            )
        agencies: dict[str, Agency] = {}
        for row in reader:
            line = reader.line_num
            try:
                agency = Agency.from_row(row)
            except InvalidAgency as e:
                raise CsvInvalid(source, line, e.error) from None
            if agency.ori in agencies:
                raise CsvInvalid(source, line, FieldError("ori", "each ORI once", repr(agency.ori)))
            agencies[agency.ori] = agency
        return cls(agencies.values())

    @classmethod
    def read(cls, path: Path) -> Directory:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise NotFound(f"no directory file at {path}") from None
        return cls.parse_csv(text, str(path))
