"""Feedback's database behind ports: ``MongoFeedbackUnitOfWork(db)`` in the services,
``MemoryFeedbackUnitOfWork()`` in unit tests."""

from services.feedback.store.uow import (
    COLLECTIONS,
    INDEXES,
    OUTBOX_COLLECTIONS,
    PAIRINGS,
    FeedbackUnitOfWork,
    MemoryFeedbackUnitOfWork,
    MongoFeedbackUnitOfWork,
)

__all__ = [
    "COLLECTIONS",
    "INDEXES",
    "OUTBOX_COLLECTIONS",
    "PAIRINGS",
    "FeedbackUnitOfWork",
    "MemoryFeedbackUnitOfWork",
    "MongoFeedbackUnitOfWork",
]
