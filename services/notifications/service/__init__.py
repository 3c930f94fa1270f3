"""Notifications' use cases: commands and their handlers per module, wired together in ``bus``."""
