"""A state's driver and vehicle records: storage, searches, synthetic generator."""

from statelink.records.store import MAX_RECORDS, RecordStore

__all__ = ["MAX_RECORDS", "RecordStore"]
