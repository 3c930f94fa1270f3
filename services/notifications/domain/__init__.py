"""Notifications' domain: pure rules (messages, routing, rendering, preferences, delivery states)."""
