"""The tamper-evident audit log (contract 3): records, Merkle tree, checkpoints, proofs."""

from statelink.audit.keys import NodeKeys
from statelink.audit.log import AuditLog
from statelink.audit.record import Entry, build_entry
from statelink.audit.service import AuditService

__all__ = ["AuditLog", "AuditService", "Entry", "NodeKeys", "build_entry"]
