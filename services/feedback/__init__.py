"""Feedback: two-way goals, check-ins, the anonymous safety pulse, insights and pairing health."""
