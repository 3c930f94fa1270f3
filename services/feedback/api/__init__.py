"""Feedback's HTTP routes, one blueprint per concern; ``BLUEPRINTS`` is what the app registers."""

from services.feedback.api import health

BLUEPRINTS = [health.blp]
