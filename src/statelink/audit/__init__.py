"""The tamper-evident audit log (contract 3): records, Merkle tree, checkpoints, proofs."""

from statelink.audit.keys import NodeKeys
from statelink.audit.log import AuditLog
from statelink.audit.record import AuditRecord, Entry, Requester, build_entry
from statelink.audit.service import AuditService

__all__ = [
    "AuditLog",
    "AuditRecord",
    "AuditService",
    "Entry",
    "NodeKeys",
    "Requester",
    "build_entry",
]
