"""Intake: programs, participants, org chart, bulk HR import, consent and erasure."""
