"""Notices owed to residents whose records were released to listed agencies."""

from statelink.notices.store import Addressee, Notice, NoticeStore

__all__ = ["Addressee", "Notice", "NoticeStore"]
