"""A request that finds the database away answers 503 problem+json with Retry-After (retry shortly), not
the 500 of a bug (the fuzz run noted a Mongo outage answered 500)."""

from __future__ import annotations

from flask import Flask
from pymongo.errors import AutoReconnect, ServerSelectionTimeoutError

from shared import problems


def _app(error: Exception) -> Flask:
    app = Flask(__name__)
    problems.init_app(app)

    @app.get("/thing")
    def thing():
        raise error

    return app


def test_an_unreachable_database_is_a_503_problem_with_retry_after():
    for error in (ServerSelectionTimeoutError("no servers"), AutoReconnect("connection reset")):
        response = _app(error).test_client().get("/thing")
        assert response.status_code == 503 and response.mimetype == problems.PROBLEM_JSON
        assert response.headers["Retry-After"] == str(problems.DATABASE_RETRY_AFTER_S)
        assert "database" in response.get_json()["detail"] and "no servers" not in response.get_data(True)


def test_any_other_failure_stays_a_500():
    response = _app(KeyError("bug")).test_client().get("/thing")
    assert response.status_code == 500 and response.mimetype == problems.PROBLEM_JSON
