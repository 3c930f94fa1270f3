"""Feedback's pure rules: goals, check-in cadence, milestone surveys, insights, pairing health and the
outcome report. No flask, pymongo or kafka here."""
