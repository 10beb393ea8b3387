"""The Cedar schema of contract 2, packaged with statelink and parsed once."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import cedarpy

SCHEMA_FILE = "statelink.cedarschema"
NAMESPACE = "Statelink"


def schema_text() -> str:
    return resources.files("statelink.contract").joinpath(SCHEMA_FILE).read_text("utf-8")


@cache
def schema() -> cedarpy.Schema:
    return cedarpy.Schema.from_str(schema_text())


@cache
def schema_version() -> str:
    """The contract version written in the schema's first line (``version 1``)."""
    found = re.search(r"version\s+(\d+)", schema_text().splitlines()[0])
    return found.group(1) if found else "unknown"
