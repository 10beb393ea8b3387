"""Case-by-case review of held messages."""

from statelink.review.queue import Item, ReviewQueue

__all__ = ["Item", "ReviewQueue"]
