"""The ``mentoring`` command: import a people CSV into a program with a progress bar; mint dev tokens."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

import requests
from tqdm import tqdm
from urllib3 import encode_multipart_formdata

DEFAULT_URL = "http://127.0.0.1:8001"
MAX_REJECTIONS_SHOWN = 20
EXIT_OK, EXIT_REJECTED, EXIT_FAILED = 0, 1, 2
CHUNK = 64 * 1024


class _ProgressBody:
    """A request body that advances a progress bar as the HTTP client reads it (i.e. as bytes are sent).

    Deliberately not an ``io`` object: requests would call ``tell()`` on one and fall back to chunked
    encoding, and a known ``Content-Length`` lets the server refuse an oversized upload up front.
    """

    def __init__(self, body: bytes, bar: tqdm) -> None:
        self._body = memoryview(body)
        self._position = 0
        self._bar = bar

    def __len__(self) -> int:
        return len(self._body)

    def __iter__(self) -> Iterator[bytes]:
        while chunk := self.read(CHUNK):
            yield chunk

    def read(self, size: int = -1) -> bytes:
        end = len(self._body) if size is None or size < 0 else min(self._position + size, len(self._body))
        chunk = bytes(self._body[self._position : end])
        self._position = end
        self._bar.update(len(chunk))
        return chunk


def upload(
    path: Path,
    program_id: str,
    *,
    url: str = DEFAULT_URL,
    token: str | None = None,
    show_progress: bool = True,
    timeout: float = 300.0,
    stream: IO[str] | None = None,
) -> requests.Response:
    """POST the file as multipart field ``file`` to ``/v1/programs/{program_id}/imports``."""
    body, content_type = encode_multipart_formdata({"file": (path.name, path.read_bytes(), "text/csv")})
    headers = {"Content-Type": content_type, "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    endpoint = f"{url.rstrip('/')}/v1/programs/{quote(program_id, safe='')}/imports"
    with tqdm(
        total=len(body),
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        desc=f"uploading {path.name}",
        disable=not show_progress,
        file=stream or sys.stderr,
    ) as bar:
        return requests.post(endpoint, data=_ProgressBody(body, bar), headers=headers, timeout=timeout)


def summarise(report: dict[str, Any]) -> str:
    """Human summary of an import report: counts, then the first rejected rows with field and reason."""
    rejected = report.get("rejected", [])
    rejected_rows = len({item.get("row") for item in rejected})
    lines = [
        f"rows: {report.get('total_rows', '?')}  accepted: {len(report.get('accepted', []))}  "
        f"updated: {len(report.get('updated', []))}  unchanged: {report.get('unchanged', 0)}  "
        f"rejected: {rejected_rows}"
    ]
    for item in rejected[:MAX_REJECTIONS_SHOWN]:
        lines.append(f"  row {item.get('row')} {item.get('field')}: {item.get('reason')}")
    if len(rejected) > MAX_REJECTIONS_SHOWN:
        lines.append(f"  … and {len(rejected) - MAX_REJECTIONS_SHOWN} more problems")
    return "\n".join(lines)


def _problem_text(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}: {response.text[:500]}"
    parts = [f"HTTP {response.status_code} {body.get('title', '')}".rstrip()]
    if body.get("detail"):
        parts.append(str(body["detail"]))
    parts.extend(f"  {error.get('field')}: {error.get('message')}" for error in body.get("errors") or [])
    return "\n".join(parts)


def run_import(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    path = Path(args.file)
    if not path.is_file():
        print(f"mentoring import: no such file: {path}", file=err)
        return EXIT_FAILED
    try:
        response = upload(
            path, args.program, url=args.url, token=args.token, show_progress=not args.quiet, stream=err
        )
    except requests.RequestException as error:
        print(f"mentoring import: cannot reach {args.url}: {error}", file=err)
        return EXIT_FAILED
    if not response.ok:
        print(f"mentoring import: the server refused the import\n{_problem_text(response)}", file=err)
        return EXIT_FAILED
    try:
        report = response.json()
    except ValueError:
        print(f"mentoring import: unexpected response: {response.text[:500]}", file=err)
        return EXIT_FAILED
    print(json.dumps(report, indent=2) if args.json else summarise(report), file=out)
    return EXIT_REJECTED if report.get("rejected") else EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mentoring", description="Reverse-mentoring platform command line")
    commands = parser.add_subparsers(dest="command", required=True)
    importer = commands.add_parser(
        "import",
        help="import participants from a CSV file into a program",
        description="Upload a people CSV (columns: see services.intake.domain.importer) and print the "
        "report. Exit status: 0 all rows fine, 1 some rows rejected, 2 the import failed.",
    )
    importer.add_argument("file", help="CSV file, UTF-8, header row first")
    importer.add_argument("--program", required=True, help="program id to import into")
    importer.add_argument("--url", default=DEFAULT_URL, help=f"intake base URL (default {DEFAULT_URL})")
    importer.add_argument("--token", help="bearer token with the hr role (see `mentoring dev-token`)")
    importer.add_argument("--json", action="store_true", help="print the full report as JSON")
    importer.add_argument("--quiet", action="store_true", help="no progress bar")
    importer.set_defaults(handler=run_import)
    commands.add_parser("dev-token", help="mint a token the services accept in AUTH_MODE=dev", add_help=False)
    return parser


def main(argv: list[str] | None = None, *, out: IO[str] | None = None, err: IO[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["dev-token"]:
        from shared.auth import main as auth_main  # the chassis owns tokens; imported only when asked

        return auth_main(argv)
    args = build_parser().parse_args(argv)
    return args.handler(args, out or sys.stdout, err or sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
