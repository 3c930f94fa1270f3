"""The one Dockerfile (``--build-arg SERVICE=<name>``): hadolint clean, multi-stage, slim, non-root, one
service per image, and an entrypoint that runs ``python -m services.<name>``."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.deploy.conftest import REPO, SERVICES, Tools, run

pytestmark = pytest.mark.timeout(1800)

DOCKERFILE = REPO / "Dockerfile"


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


def stages() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    steps = instructions(DOCKERFILE.read_text())
    second_from = [i for i, (k, _) in enumerate(steps) if k == "FROM"][1]
    return steps[:second_from], steps[second_from:]


def for_service(name: str) -> list[tuple[str, str]]:
    """The runtime stage's instructions as ``docker build --build-arg SERVICE=<name>`` sees them."""
    _, runtime = stages()
    return [(k, a.replace("${SERVICE}", name)) for k, a in runtime]


def test_the_per_service_copies_are_gone() -> None:
    assert DOCKERFILE.is_file()
    assert not list(REPO.glob("services/*/Dockerfile")), "one Dockerfile at the root, built with ARG SERVICE"
    assert not (REPO / "deploy" / "Dockerfile").exists()


def test_hadolint_finds_nothing(tools: Tools) -> None:
    proc = run([tools.hadolint, "--config", REPO / ".hadolint.yaml", DOCKERFILE])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_image_is_multi_stage_slim_and_non_root() -> None:
    steps = instructions(DOCKERFILE.read_text())
    args = dict(a.split("=", 1) for k, a in steps if k == "ARG" and "=" in a)
    assert args["PYTHON_IMAGE"] == "python:3.11-slim"
    froms = [a for k, a in steps if k == "FROM"]
    assert froms == ["${PYTHON_IMAGE} AS builder", "${PYTHON_IMAGE} AS runtime"]
    builder, runtime = stages()
    assert any(k == "COPY" and "requirements.lock" in a for k, a in builder)
    assert any(k == "RUN" and "-c requirements.lock" in a and "/opt/venv" in a for k, a in builder)
    assert any(k == "RUN" and "['project']['dependencies']" in a for k, a in builder), "runtime deps only"
    copies = [a for k, a in runtime if k == "COPY"]
    assert "--from=builder /opt/venv /opt/venv" in copies
    assert "shared/ ./shared/" in copies
    assert any(k == "RUN" and "useradd" in a and "--uid 10001" in a for k, a in runtime)
    users = [a for k, a in runtime if k == "USER"]
    assert users == ["10001:10001"]
    assert [k for k, _ in runtime].index("USER") > max(
        i for i, (k, _) in enumerate(runtime) if k in {"RUN", "COPY"}
    )
    assert ("ENTRYPOINT", '["python", "-m", "services"]') in runtime
    assert ("CMD", '["api"]') in runtime
    assert not any(k == "ADD" for k, _ in steps)
    assert "latest" not in DOCKERFILE.read_text()


def test_service_is_a_required_build_argument_used_last() -> None:
    """ARG SERVICE has no default, comes after the layers the four images share, sets SERVICE_NAME and is
    checked before anything is compiled (without it, ``COPY services/${SERVICE}/`` takes every service)."""
    _, runtime = stages()
    keywords = [k for k, _ in runtime]
    assert ("ARG", "SERVICE") in runtime
    arg_at = runtime.index(("ARG", "SERVICE"))
    assert arg_at > max(i for i, (k, a) in enumerate(runtime) if k == "COPY" and "shared/" in a)
    assert ("ENV", "SERVICE_NAME=${SERVICE}") in runtime[arg_at:]
    service_copy = runtime.index(("COPY", "services/${SERVICE}/ ./services/${SERVICE}/"))
    check = next(i for i, (k, a) in enumerate(runtime) if k == "RUN" and '-z "${SERVICE}"' in a)
    assert service_copy < check < keywords.index("USER")
    assert "compileall" in runtime[check][1]


@pytest.mark.parametrize("name", SERVICES)
def test_each_image_copies_shared_and_its_own_service_only(name: str) -> None:
    steps = for_service(name)
    copies = [a for k, a in steps if k == "COPY" and not a.startswith("--from")]
    assert f"services/{name}/ ./services/{name}/" in copies
    assert not any(f"services/{other}/" in a for other in SERVICES if other != name for a in copies)
    for arg in copies:
        for source in arg.split()[:-1]:
            assert (REPO / source).exists(), f"{name}: COPY source {source} missing"
    assert ("ENV", f"SERVICE_NAME={name}") in steps
    assert (REPO / "services" / name / "__main__.py").exists()


def _image_layout(tmp_path: Path, name: str) -> Path:
    """/app as the image has it: what the runtime stage COPYs from the repository, nothing else."""
    app = tmp_path / "app"
    for keyword, arg in for_service(name):
        if keyword != "COPY" or arg.startswith("--from"):
            continue
        *sources, target = arg.split()
        for source in sources:
            src = REPO / source
            dest = app / target / src.name if target.endswith("/") and src.is_file() else app / target
            if src.is_dir():
                shutil.copytree(src, dest, ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True)
            else:
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dest)
    return app


@pytest.mark.parametrize("name", SERVICES)
def test_entrypoint_runs_python_m_services_name(tmp_path: Path, name: str) -> None:
    """`python -m services` in the image's /app with the image's SERVICE_NAME is `python -m services.<name>`;
    with another service's name it stops with a message instead of running the wrong service."""
    app = _image_layout(tmp_path, name)
    assert sorted(p.name for p in (app / "services").iterdir() if p.is_dir()) == [name]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}

    def entrypoint(service_name: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "services", *args],
            cwd=app,
            env={**env, "SERVICE_NAME": service_name, "PYTHONDONTWRITEBYTECODE": "1"},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    ok = entrypoint(name, "--help")
    assert ok.returncode == 0, ok.stderr
    assert f"usage: python -m services.{name} [-h] {{api,worker}}" in ok.stdout
    other = next(s for s in SERVICES if s != name)
    wrong = entrypoint(other, "api")
    assert wrong.returncode == 1
    assert f"SERVICE_NAME must name a service of this image, got {other!r}" in wrong.stderr


def test_build_context_excludes_local_state() -> None:
    ignore = (REPO / ".dockerignore").read_text().splitlines()
    patterns = [line for line in ignore if line and not line.startswith("#")]
    assert patterns[0] == "*", "allow-list style: ignore everything, then re-include"
    assert {"!pyproject.toml", "!requirements.lock", "!shared/", "!services/"} <= set(patterns)
    assert "**/__pycache__" in patterns


def _third_party_imports(paths: list[Path]) -> set[str]:
    local = {"shared", "services", "tests", "bench", "deploy"}
    found: set[str] = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            found |= {n.split(".")[0] for n in names} - local - set(sys.stdlib_module_names)
    return found


def _installed_with(requirements: list[str]) -> set[str]:
    """Distributions ``pip install`` of these requirements brings (with their extras), as canonical names."""
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [Requirement(r) for r in requirements]
    while todo:
        req = todo.pop()
        key = (canonicalize_name(req.name), frozenset(req.extras))
        if key in seen:
            continue
        seen.add(key)
        for raw in metadata.requires(req.name) or []:
            sub = Requirement(raw)
            if sub.marker is None or any(sub.marker.evaluate({"extra": e}) for e in {"", *req.extras}):
                todo.append(sub)
    return {name for name, _ in seen}


def test_runtime_dependencies_are_what_the_services_import() -> None:
    """The image installs [project].dependencies: every module shared/ and the services import at run time
    comes with them, and each of them is imported by something there. The `mentoring` CLI
    (services/intake/cli.py) runs on people's machines, not in the image: its packages are the `cli` extra."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    declared = {canonicalize_name(Requirement(r).name) for r in project["dependencies"]}
    in_image = _installed_with(project["dependencies"])
    cli = REPO / "services" / "intake" / "cli.py"
    code = [p for p in sorted([*REPO.glob("shared/**/*.py"), *REPO.glob("services/**/*.py")]) if p != cli]
    by_module = {m: {canonicalize_name(d) for d in ds} for m, ds in metadata.packages_distributions().items()}
    imported = {m: by_module.get(m, set()) for m in _third_party_imports(code)}
    missing = sorted(m for m, dists in imported.items() if not dists & in_image)
    assert not missing, f"imported at run time but not installed in the image: {missing}"
    # packages the services use without importing them: the tz database behind zoneinfo
    used_unimported = {"tzdata"}
    unused = sorted(declared - set().union(*imported.values()) - used_unimported)
    assert not unused, f"runtime dependencies nothing in shared/ or services/ imports: {unused}"
    with_cli = _installed_with([*project["dependencies"], *project["optional-dependencies"]["cli"]])
    cli_imports = {m: by_module.get(m, set()) for m in _third_party_imports([cli])}
    cli_missing = sorted(m for m, dists in cli_imports.items() if not dists & with_cli)
    assert not cli_missing, f"the mentoring CLI imports {cli_missing}: in neither the runtime deps nor `cli`"
