"""Notifications: tells people and subscribers what happened, exactly once per cause and channel."""
