"""Feedback's HTTP routes, one blueprint per concern; ``BLUEPRINTS`` is what the app registers."""

from services.feedback.api import health, pairings, programs
from services.feedback.pulse import api as pulse

BLUEPRINTS = [health.blp, pairings.blp, programs.blp, pulse.blp]
