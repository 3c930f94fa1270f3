"""Intake's HTTP routes: parse, authorise, build a command, ``bus.handle`` it and answer with what the
returned events say (reads go to ``service.queries``); every error documented as problem+json.

One blueprint; its routes live by concern (programs, imports, participants, org chart) and attach on
import, in this order (the order of the OpenAPI document's paths).
"""

from services.intake.api.common import BULK_BODY_LIMIT, blp

# isort: off
from services.intake.api import programs, imports, participants, orgchart, keys  # noqa: F401  (attach the routes)
# isort: on

__all__ = ["BULK_BODY_LIMIT", "blp"]
