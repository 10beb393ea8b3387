"""The directory of agencies (contract 4): ORI, name, state, kind, department, component, groups."""

from statelink.directory.agency import KINDS, Agency
from statelink.directory.directory import Directory
from statelink.directory.seed import seed_directory

__all__ = ["KINDS", "Agency", "Directory", "seed_directory"]
