"""Notifications' database: one module per store port, wired together in ``uow``."""
