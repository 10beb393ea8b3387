"""Case-by-case review of held messages."""

from statelink.review.queue import ItemStatus, KeptAnswer, ReviewItem, ReviewQueue

__all__ = ["ItemStatus", "KeptAnswer", "ReviewItem", "ReviewQueue"]
