"""Matching: projections of programs and people, match runs, pairings, waitlist."""
