"""Template previews for admins: render a template for a locale with its sample or with given data. A
template error is a 422 naming the template, file and line."""

from __future__ import annotations

from flask_smorest import Blueprint

from services.notifications.domain import rendering
from services.notifications.schemas.templates import PreviewRequest, PreviewResponse
from shared.auth import require_roles
from shared.errors import NotFound, Unprocessable

blp = Blueprint("templates", __name__, url_prefix="/v1/templates", description="Message templates")


@blp.post("/<name>/preview")
@require_roles("admin")
@blp.arguments(PreviewRequest)
@blp.response(200, PreviewResponse)
def preview(request: dict, name: str) -> dict:
    """Subject, text and HTML of ``name`` in ``locale``."""
    try:
        data = request["data"] if request["data"] is not None else rendering.sample(name)
        rendered = rendering.render(name, request["locale"], data)
    except rendering.UnknownTemplate:
        raise NotFound(f"no template {name}; one of {', '.join(rendering.template_names())}") from None
    except rendering.TemplateFailure as failure:
        raise Unprocessable(
            str(failure), field="data", template=failure.template, file=failure.file, line=failure.line
        ) from failure
    return {"template": name, "locale": request["locale"], **rendered.__dict__}
