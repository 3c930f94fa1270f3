"""Field builders every intake schema shares: domain checks as marshmallow validators (same messages as the
aggregates and the CSV importer), employee ids, focus-area terms and growth goals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import ValidationError, fields, validate

from services.intake.domain.errors import InvalidValue
from shared.contracts.payloads import EMPLOYEE_ID_PATTERN, LANGUAGE_TAG_PATTERN, TERM_PATTERN
from shared.vocabulary import GROWTH_GOALS

# The shape of a BCP 47 tag; the check itself also wants registered subtags (e.g. 'xx' is refused).
LANGUAGE_TAG_DOC = {
    "pattern": LANGUAGE_TAG_PATTERN,
    "description": "a BCP 47 language tag with registered subtags, e.g. 'en', 'pt-BR', 'zh-Hant'",
}


def domain_check(check: Callable[[Any], Any]) -> Callable[[Any], None]:
    """A marshmallow validator that runs a domain check and keeps its message."""

    def validator(value: Any) -> None:
        try:
            check(value)
        except InvalidValue as error:
            raise ValidationError(str(error)) from None

    return validator


def employee_id_field(**kwargs: Any) -> fields.String:
    return fields.String(
        validate=validate.Regexp(
            EMPLOYEE_ID_PATTERN,
            error="must be 1-64 letters, digits, '.', '_' or '-' starting with a letter or digit",
        ),
        **kwargs,
    )


def term_list(**kwargs: Any) -> fields.List:
    term = fields.String(
        validate=validate.Regexp(TERM_PATTERN, error="{input!r} is not a focus-area term (e.g. 'ai-tools')")
    )
    return fields.List(term, **kwargs)


def goal_list(**kwargs: Any) -> fields.List:
    goal = fields.String(
        validate=validate.OneOf(
            GROWTH_GOALS, error="unknown growth goal {input!r}; expected one of {choices}"
        )
    )
    return fields.List(goal, **kwargs)
