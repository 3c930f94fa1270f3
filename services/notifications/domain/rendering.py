"""Rendering a template (subject, text, HTML) for a locale from the files under
``services/notifications/templates/<locale>/``: strict (an undefined variable is an error, never an empty
string), HTML autoescaped, one shared base layout. A template error becomes ``TemplateFailure`` naming the
template, the file and the line, so a preview answers 422 and a worker fails only that delivery."""

from __future__ import annotations

import json
import traceback
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    select_autoescape,
)

from services.notifications.domain.preferences import DEFAULT_LOCALE, SUPPORTED_LOCALES

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
PARTS = ("subject", "txt", "html")


class TemplateFailure(Exception):
    """A template could not be rendered: which one, where, and why."""

    def __init__(self, template: str, locale: str, detail: str, file: str | None, line: int | None) -> None:
        self.template, self.locale, self.detail, self.file, self.line = template, locale, detail, file, line
        where = f"{file}, line {line}" if line else (file or template)
        super().__init__(f"template {template} ({locale}) failed at {where}: {detail}")


class UnknownTemplate(LookupError):
    """No template of that name exists."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@cache
def environment(locale: str, root: Path = TEMPLATES_DIR) -> Environment:
    """One environment per locale: the locale's folder first, then the shared layout and phrases."""
    return Environment(
        loader=FileSystemLoader([root / locale, root]),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


def template_names(root: Path = TEMPLATES_DIR) -> list[str]:
    """Every template of the default locale (each has a sample)."""
    return sorted(p.name.removesuffix(".subject.j2") for p in (root / DEFAULT_LOCALE).glob("*.subject.j2"))


def sample(name: str, root: Path = TEMPLATES_DIR) -> dict[str, Any]:
    """The sample data a template declares (``templates/samples/<name>.json``): previews and tests."""
    path = root / "samples" / f"{name}.json"
    if not path.is_file():
        raise UnknownTemplate(name)
    return json.loads(path.read_text(encoding="utf-8"))


def render(name: str, locale: str, context: dict[str, Any], root: Path = TEMPLATES_DIR) -> Rendered:
    """The three parts of template ``name`` in ``locale`` (en when the locale has no such template)."""
    if locale not in SUPPORTED_LOCALES:
        locale = DEFAULT_LOCALE
    if name not in template_names(root):
        raise UnknownTemplate(name)
    env = environment(locale, root)
    parts = []
    for part in PARTS:
        file = f"{name}.{part}.j2"
        try:
            parts.append(env.get_template(file).render({**context, "locale": locale}))
        except TemplateNotFound as missing:
            raise TemplateFailure(name, locale, f"missing {missing.name}", missing.name, None) from missing
        except TemplateSyntaxError as error:
            raise TemplateFailure(
                name, locale, error.message or str(error), error.name, error.lineno
            ) from error
        except TemplateError as error:
            file_name, line = _template_line(error)
            raise TemplateFailure(name, locale, str(error), file_name or file, line) from error
    subject, text, html = parts
    return Rendered(" ".join(subject.split()), text.strip() + "\n", html)


def _template_line(error: BaseException) -> tuple[str | None, int | None]:
    """Where in a template file a render error was raised (jinja rewrites frames to template lines)."""
    found: tuple[str | None, int | None] = (None, None)
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename.endswith(".j2"):
            found = (Path(frame.filename).name, frame.lineno)
    return found
