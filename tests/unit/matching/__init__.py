"""Unit tests of the matching domain: scoring, constraints, solver, explanations."""
