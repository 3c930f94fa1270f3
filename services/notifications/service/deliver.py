"""Delivering planned messages: the scheduler claims due items and runs the handler of their kind."""

from __future__ import annotations

COMMANDS: dict = {}
