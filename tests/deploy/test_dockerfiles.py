"""services/<name>/Dockerfile: hadolint clean, multi-stage, slim, non-root, the contract's entrypoint."""

from __future__ import annotations

import re

import pytest

from tests.deploy.conftest import REPO, SERVICES, Tools, run

pytestmark = pytest.mark.timeout(1800)


def dockerfile(name: str) -> str:
    return (REPO / "services" / name / "Dockerfile").read_text()


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", text)
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            out.append((keyword.upper(), rest.strip()))
    return out


@pytest.mark.parametrize("name", SERVICES)
def test_hadolint_finds_nothing(tools: Tools, name: str) -> None:
    proc = run([tools.hadolint, "--config", REPO / ".hadolint.yaml", REPO / "services" / name / "Dockerfile"])
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("name", SERVICES)
def test_image_is_multi_stage_slim_and_non_root(name: str) -> None:
    steps = instructions(dockerfile(name))
    args = dict(a.split("=", 1) for k, a in steps if k == "ARG" and "=" in a)
    assert args["PYTHON_IMAGE"] == "python:3.11-slim"
    froms = [a for k, a in steps if k == "FROM"]
    assert froms == ["${PYTHON_IMAGE} AS builder", "${PYTHON_IMAGE} AS runtime"]
    builder = steps[: [k for k, _ in steps].index("FROM", 2)]
    runtime = steps[len(builder) :]
    assert any(k == "COPY" and "requirements.lock" in a for k, a in builder)
    assert any(k == "RUN" and "-c requirements.lock" in a and "/opt/venv" in a for k, a in builder)
    copies = [a for k, a in runtime if k == "COPY"]
    assert "--from=builder /opt/venv /opt/venv" in copies
    assert "shared/ ./shared/" in copies
    assert f"services/{name}/ ./services/{name}/" in copies
    assert not any(f"services/{other}/" in a for other in SERVICES if other != name for a in copies)
    assert any(k == "RUN" and "useradd" in a and "--uid 10001" in a for k, a in runtime)
    users = [a for k, a in runtime if k == "USER"]
    assert users == ["10001:10001"]
    assert [k for k, _ in runtime].index("USER") > max(
        i for i, (k, _) in enumerate(runtime) if k in {"RUN", "COPY"}
    )
    assert ("ENTRYPOINT", f'["python", "-m", "services.{name}"]') in runtime
    assert ("CMD", '["api"]') in runtime
    assert not any(k == "ADD" for k, _ in steps)
    assert "latest" not in dockerfile(name)


@pytest.mark.parametrize("name", SERVICES)
def test_everything_the_image_copies_exists(name: str) -> None:
    for keyword, arg in instructions(dockerfile(name)):
        if keyword == "COPY" and not arg.startswith("--from"):
            for source in arg.split()[:-1]:
                assert (REPO / source).exists(), f"{name}: COPY source {source} missing"
    assert (REPO / "services" / name / "__main__.py").exists()


def test_build_context_excludes_local_state() -> None:
    ignore = (REPO / ".dockerignore").read_text().splitlines()
    patterns = [line for line in ignore if line and not line.startswith("#")]
    assert patterns[0] == "*", "allow-list style: ignore everything, then re-include"
    assert {"!pyproject.toml", "!requirements.lock", "!shared/", "!services/"} <= set(patterns)
    assert "**/__pycache__" in patterns
