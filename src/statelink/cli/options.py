"""Options every command shares, and the two ways a command prints: Rich or JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

if TYPE_CHECKING:
    from statelink.nation import Layout

DataDir = Annotated[
    Path,
    typer.Option(
        "--data",
        envvar="STATELINK_DATA",
        help="Data folder of the embedded network.",
        show_default=True,
    ),
]
DEFAULT_DATA = Path("statelink-data")

State = Annotated[str, typer.Option("--state", help="The state (NCIC code), e.g. WA.")]

JsonOutput = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]

console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
"""Rich output; 160 columns when piped, so tables and records stay on one line."""


def layout(data: Path) -> Layout:
    from statelink.nation import Layout

    return Layout(data)


def print_json(value: Any) -> None:
    """Write JSON to stdout: models, lists of models, or plain data."""
    sys.stdout.write(json.dumps(_plain(value), indent=2, ensure_ascii=False) + "\n")


def _plain(value: Any) -> Any:
    pydantic = sys.modules.get("pydantic")  # a model means pydantic is imported already
    if pydantic is not None and isinstance(value, pydantic.BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value
