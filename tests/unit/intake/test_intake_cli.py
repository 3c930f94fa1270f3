"""The ``mentoring import`` command against a loopback HTTP stub: upload shape, summary, exit codes."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from services.intake import cli

REPORT_OK = {
    "total_rows": 2,
    "accepted": [{"row": 2}],
    "updated": [{"row": 3}],
    "unchanged": 0,
    "rejected": [],
}
REPORT_REJECTED = {
    "total_rows": 3,
    "accepted": [],
    "updated": [],
    "unchanged": 1,
    "rejected": [
        {"row": 2, "field": "level", "reason": "level must be from 1 (graduate) to 12 (CEO), got 13"},
        {"row": 2, "field": "timezone", "reason": "timezone must be an IANA time zone name"},
        {"row": 3, "field": "role", "reason": "role must be one of leader, junior"},
    ],
}


class Stub:
    """What the fake intake received and what it answers."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.status = 200
        self.body: dict = REPORT_OK
        self.content_type = "application/json"


@pytest.fixture
def stub() -> Iterator[tuple[Stub, str]]:
    state = Stub()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            body = self.rfile.read(length)
            state.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
            payload = json.dumps(state.body).encode()
            self.send_response(state.status)
            self.send_header("Content-Type", state.content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def people(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("employee_id,role,level,timezone,languages\nE1,leader,9,UTC,en\n")
    return path


def invoke(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_import_posts_the_file_as_multipart_field_file_with_the_token(stub, people):
    state, url = stub
    argv = ("import", str(people), "--program", "prog 1", "--url", url + "/", "--token", "T0K")
    code, out, err = invoke(*argv)
    assert code == 0
    [request] = state.requests
    assert request["path"] == "/v1/programs/prog%201/imports"
    assert request["headers"]["Authorization"] == "Bearer T0K"
    assert request["headers"]["Content-Type"].startswith("multipart/form-data; boundary=")
    assert b'name="file"; filename="people.csv"' in request["body"]
    assert people.read_bytes() in request["body"]
    assert "accepted: 1" in out and "updated: 1" in out and "rejected: 0" in out
    assert "uploading people.csv" in err and "100%" in err  # the progress bar went to stderr, to the end


def test_rejected_rows_are_listed_and_the_exit_code_is_one(stub, people):
    state, url = stub
    state.body = REPORT_REJECTED
    code, out, _ = invoke("import", str(people), "--program", "P", "--url", url, "--quiet")
    assert code == 1
    assert "rejected: 2" in out
    assert "row 2 level: level must be from 1 (graduate) to 12 (CEO), got 13" in out
    assert "row 3 role:" in out


def test_json_flag_prints_the_whole_report(stub, people):
    state, url = stub
    state.body = REPORT_REJECTED
    code, out, _ = invoke("import", str(people), "--program", "P", "--url", url, "--quiet", "--json")
    assert code == 1
    assert json.loads(out) == REPORT_REJECTED


def test_a_refused_import_prints_the_problem_and_exits_two(stub, people):
    state, url = stub
    state.status = 403
    state.content_type = "application/problem+json"
    state.body = {"title": "Forbidden", "status": 403, "detail": "the hr role is required"}
    code, _, err = invoke("import", str(people), "--program", "P", "--url", url, "--quiet")
    assert code == 2
    assert "HTTP 403 Forbidden" in err and "the hr role is required" in err


def test_missing_file_and_unreachable_server_exit_two(tmp_path, people):
    code, _, err = invoke("import", str(tmp_path / "nope.csv"), "--program", "P")
    assert code == 2 and "no such file" in err
    code, _, err = invoke("import", str(people), "--program", "P", "--url", "http://127.0.0.1:9", "--quiet")
    assert code == 2 and "cannot reach" in err


def test_program_is_required():
    with pytest.raises(SystemExit) as caught:
        invoke("import", "people.csv")
    assert caught.value.code == 2


def test_dev_token_is_delegated_to_the_chassis(monkeypatch):
    import shared.auth

    seen = []
    monkeypatch.setattr(shared.auth, "main", lambda argv: seen.append(argv) or 0)
    assert cli.main(["dev-token", "--role", "admin", "--sub", "E000001"]) == 0
    assert seen == [["dev-token", "--role", "admin", "--sub", "E000001"]]


def test_summary_truncates_long_rejection_lists():
    report = {"rejected": [{"row": n, "field": "level", "reason": "bad"} for n in range(30)]}
    text = cli.summarise(report)
    assert "row 19 level: bad" in text and "row 20" not in text
    assert "… and 10 more problems" in text
