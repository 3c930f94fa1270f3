"""Real local infrastructure without a container engine: Apache Kafka (KRaft) and FerretDB v1, and a
local SMTP server that keeps every mail in ``<run_dir>/mailbox`` (``deploy/local/smtp_sink.py``).

Installs pinned versions into a git-ignored cache and runs them as local processes.
Standard library only, so it runs with any ``python3``.

CLI (from the repository root)::

    python deploy/local/infra.py install   # fetch/build into $MENTORING_CACHE_DIR (default <repo>/.cache)
    python deploy/local/infra.py up        # start both (KAFKA_PORT, MONGO_PORT, RUN_DIR), write <run_dir>/env
    python deploy/local/infra.py status    # what runs
    python deploy/local/infra.py env       # print <run_dir>/env
    python deploy/local/infra.py down      # stop both (SIGTERM, then SIGKILL)

API (tests)::

    from deploy.local.infra import LocalInfra
    infra = LocalInfra(tmp_path / "infra")          # ports None -> free ports
    infra.start()                                    # installs if needed, waits until ready
    infra.kafka_bootstrap, infra.mongodb_uri         # "127.0.0.1:PORT", "mongodb://127.0.0.1:PORT/"
    infra.restart("kafka")                           # one server again, same ports and data (chaos tests)
    infra.stop()

Kafka jars come from the Maven registry via ``deploy/local/kafka/pom.xml`` (needs ``java`` >= 17 and
``mvn``); FerretDB is built with ``go`` from ``deploy/local/ferretdb`` (go.mod/go.sum pinned), with the
patches of ``deploy/local/ferretdb/patches/`` applied by ``git``.
"""

from __future__ import annotations

import argparse
import atexit
import base64
import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

try:
    from deploy.local.smtp_process import SmtpSinkProcess
except ModuleNotFoundError:  # run as a script: ``python deploy/local/infra.py``
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from deploy.local.smtp_process import SmtpSinkProcess

KAFKA_VERSION = "4.1.1"
FERRETDB_VERSION = "v1.24.2"

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
KAFKA_SRC = HERE / "kafka"
FERRETDB_SRC = HERE / "ferretdb"
LOG4J2_CONFIG = KAFKA_SRC / "log4j2.xml"

HOST = "127.0.0.1"
DEFAULT_KAFKA_PORT = 9092
DEFAULT_MONGO_PORT = 27017
# Every test gets topics of its own, so one `make test` leaves ~20,000 partitions on the broker; a broker
# reused across several runs ran out of a 512 MiB heap.
KAFKA_HEAP_OPTS = "-Xms256m -Xmx1g"
STOP_TIMEOUT_S = 20.0
START_TIMEOUT_S = 90.0


class InfraError(RuntimeError):
    """Installing or starting the local infrastructure failed."""


# --------------------------------------------------------------------------------------------------
# paths and tools


def cache_dir() -> Path:
    return Path(os.environ.get("MENTORING_CACHE_DIR") or REPO_ROOT / ".cache").resolve()


def kafka_home() -> Path:
    return cache_dir() / f"kafka-{KAFKA_VERSION}"


def kafka_libs() -> Path:
    return kafka_home() / "libs"


def ferretdb_binary() -> Path:
    return cache_dir() / f"ferretdb-{FERRETDB_VERSION}" / "ferretdb"


def default_run_dir() -> Path:
    return Path(os.environ.get("RUN_DIR") or REPO_ROOT / ".run" / "infra").resolve()


def _java() -> str:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").exists():
        return str(Path(java_home) / "bin" / "java")
    found = shutil.which("java")
    if not found:
        raise InfraError("java not found: install a JDK >= 17 (e.g. apt-get install openjdk-17-jdk-headless)")
    return found


def _check_java_version(java: str) -> None:
    out = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if not m:
        raise InfraError(f"cannot parse `{java} -version` output: {out.stderr.strip()!r}")
    major = int(m.group(1))
    if major == 1 and m.group(2):  # "1.8.0"
        major = int(m.group(2))
    if major < 17:
        raise InfraError(f"Kafka {KAFKA_VERSION} needs Java >= 17, `{java}` is Java {major} (set JAVA_HOME)")


def _mvn() -> str:
    found = shutil.which("mvn")
    if not found:
        raise InfraError("mvn not found: install Maven (e.g. apt-get install maven)")
    return found


def _go() -> str:
    found = shutil.which("go")
    if found:
        return found
    if Path("/usr/local/go/bin/go").exists():
        return "/usr/local/go/bin/go"
    raise InfraError("go not found: install Go >= 1.24 (on PATH or in /usr/local/go/bin)")


# --------------------------------------------------------------------------------------------------
# install


def _digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()


def _kafka_key() -> str:
    return _digest(b"kafka", KAFKA_VERSION.encode(), (KAFKA_SRC / "pom.xml").read_bytes())


# FerretDB v1.24.2 bugs we hit, fixed in a private copy of the module at build time (nothing else changes).
# Each fix is a unified diff in deploy/local/ferretdb/patches/ whose header says why; they are applied in
# name order with `git apply`, and the build refuses if one no longer applies. In short:
# - 0001-0003: `_id` equality (whatever else the filter holds), `_id: {$in: [...]}` and a top-level boolean
#   equality (an outbox relay's `{outbox_pending: true}` poll) reach their indexes instead of scanning and
#   decoding the whole collection.
# - 0004: each statement of an `update` command gives its pooled SQLite connection back before the next one
#   runs (a bulk write of ~100 matching updates used to exhaust the pool and hang that database for good).
# - 0005: update and findAndModify hold a per-collection lock from read to write (concurrent updates of one
#   document lost each other's changes and a conditional update on {_id, _version} was not conditional).
# tests/integration/test_mongo_server.py guards them.
FERRETDB_PATCHES_DIR = FERRETDB_SRC / "patches"
# files of FERRETDB_SRC the main module is built from (the patches are hashed separately, with their names)
FERRETDB_MAIN_FILES = ("go.mod", "go.sum", "main.go")


def ferretdb_patches() -> list[Path]:
    """The FerretDB patches, in the order they are applied."""
    return sorted(FERRETDB_PATCHES_DIR.glob("*.patch"))


def _ferretdb_key() -> str:
    """Version, main module and every patch (name and bytes): a changed, added or renamed patch rebuilds."""
    files = [(FERRETDB_SRC / name).read_bytes() for name in FERRETDB_MAIN_FILES]
    patches = [part for p in ferretdb_patches() for part in (p.name.encode(), p.read_bytes())]
    return _digest(b"ferretdb", FERRETDB_VERSION.encode(), *files, b"patches", *patches)


def _git() -> str:
    found = shutil.which("git")
    if not found:
        raise InfraError("git not found: it applies the FerretDB patches (e.g. apt-get install git)")
    return found


def apply_patches(tree: Path, patches: list[Path]) -> None:
    """Apply unified diffs (paths a/… b/…, relative to ``tree``) with ``git apply``, each checked first.

    ``tree`` is treated as a plain directory, never as part of an enclosing repository: inside one (the cache
    lives in this repository's work tree) ``git apply`` would take paths relative to that repository's root
    and silently skip them. A patch that does not apply exactly (git allows moved lines, never fuzz) raises
    InfraError naming it, before anything of it is written."""
    git = _git()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env["GIT_CEILING_DIRECTORIES"] = str(tree.resolve().parent)
    for patch in patches:
        for check in (["--check"], []):
            proc = subprocess.run(
                [git, "apply", *check, "--verbose", str(patch)],
                cwd=tree,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            output = (proc.stdout + proc.stderr).strip()
            if proc.returncode != 0 or "Skipped patch" in output:
                raise InfraError(
                    f"patch {patch.name} does not apply to {tree.name} (was the version changed?):\n"
                    f"{output[-4000:]}"
                )


def _patched_ferretdb_module(go: str, env: dict[str, str], workdir: Path) -> Path:
    """A writable copy of the FerretDB module with the patches of FERRETDB_PATCHES_DIR applied."""
    proc = subprocess.run(
        [go, "mod", "download", "-json", f"github.com/FerretDB/FerretDB@{FERRETDB_VERSION}"],
        cwd=FERRETDB_SRC,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise InfraError(f"go mod download of FerretDB failed:\n{(proc.stdout + proc.stderr)[-4000:]}")
    source = Path(json.loads(proc.stdout)["Dir"])
    target = workdir / "ferretdb-module"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target)
    for root, dirs, files in os.walk(target):
        for name in dirs + files:
            path = Path(root) / name
            path.chmod(path.stat().st_mode | 0o200)
    patches = ferretdb_patches()
    if not patches:
        raise InfraError(f"no FerretDB patches in {FERRETDB_PATCHES_DIR}: the local server needs them")
    apply_patches(target, patches)
    return target


def _stamp_ok(stamp: Path, key: str) -> bool:
    try:
        return stamp.read_text().strip() == key
    except OSError:
        return False


@contextlib.contextmanager
def _file_lock(name: str):
    """Serialise installs across processes (parallel test workers share the cache)."""
    lock_dir = cache_dir() / ".locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    with open(lock_dir / f"{name}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _run_tool(
    cmd: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None, what: str
) -> None:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        output = (proc.stdout + proc.stderr).strip()[-4000:]
        raise InfraError(f"{what} failed (exit {proc.returncode}): {' '.join(cmd)}\n{output}")


def kafka_installed() -> bool:
    return _stamp_ok(kafka_home() / ".stamp", _kafka_key())


def ferretdb_installed() -> bool:
    return _stamp_ok(ferretdb_binary().parent / ".stamp", _ferretdb_key())


def install_kafka(*, quiet: bool = True) -> Path:
    """Resolve Kafka's runtime jars into ``<cache>/kafka-<version>/libs``; returns the libs dir."""
    key = _kafka_key()
    home = kafka_home()
    stamp = home / ".stamp"
    if _stamp_ok(stamp, key):
        return home / "libs"
    _check_java_version(_java())
    mvn = _mvn()
    with _file_lock("kafka"):
        if _stamp_ok(stamp, key):
            return home / "libs"
        if not quiet:
            print(f"installing Kafka {KAFKA_VERSION} jars into {home / 'libs'} ...", flush=True)
        home.mkdir(parents=True, exist_ok=True)
        tmp = home / f"libs.tmp-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        cmd = [
            mvn,
            "-q",
            "-B",
            "-Dstyle.color=never",
            "-f",
            str(KAFKA_SRC / "pom.xml"),
            "dependency:copy-dependencies",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={tmp}",
        ]
        try:
            _run_tool(cmd, what="Kafka jar download (mvn)")
            if not any(tmp.glob(f"kafka_2.13-{KAFKA_VERSION}.jar")):
                raise InfraError(f"mvn did not produce kafka_2.13-{KAFKA_VERSION}.jar in {tmp}")
            stamp.unlink(missing_ok=True)
            shutil.rmtree(home / "libs", ignore_errors=True)
            tmp.rename(home / "libs")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        stamp.write_text(key + "\n")
    return home / "libs"


def install_ferretdb(*, quiet: bool = True) -> Path:
    """Build the embedded FerretDB binary into ``<cache>/ferretdb-<version>/ferretdb``."""
    key = _ferretdb_key()
    binary = ferretdb_binary()
    stamp = binary.parent / ".stamp"
    if _stamp_ok(stamp, key) and binary.exists():
        return binary
    go = _go()
    with _file_lock("ferretdb"):
        if _stamp_ok(stamp, key) and binary.exists():
            return binary
        if not quiet:
            print(f"building FerretDB {FERRETDB_VERSION} into {binary} (takes ~1-2 min cold) ...", flush=True)
        binary.parent.mkdir(parents=True, exist_ok=True)
        tmp = binary.parent / f"ferretdb.tmp-{os.getpid()}"
        env = dict(os.environ, CGO_ENABLED="0")
        env["PATH"] = os.pathsep.join([str(Path(go).parent), env.get("PATH", "")])
        workdir = binary.parent / "build"
        shutil.rmtree(workdir, ignore_errors=True)
        workdir.mkdir(parents=True)
        module = _patched_ferretdb_module(go, env, workdir)
        main_module = workdir / "main"
        main_module.mkdir()
        for name in FERRETDB_MAIN_FILES:
            shutil.copy2(FERRETDB_SRC / name, main_module / name)
        _run_tool(
            [go, "mod", "edit", f"-replace=github.com/FerretDB/FerretDB={module}"],
            cwd=main_module,
            env=env,
            what="go mod edit",
        )
        cmd = [go, "build", "-trimpath", "-buildvcs=false", "-mod=mod", "-o", str(tmp), "."]
        try:
            _run_tool(cmd, cwd=main_module, env=env, what="FerretDB build (go build)")
            stamp.unlink(missing_ok=True)
            tmp.replace(binary)
        finally:
            tmp.unlink(missing_ok=True)
        stamp.write_text(key + "\n")
    return binary


def install(*, quiet: bool = True) -> None:
    """Install both components (concurrently); fast no-op when the cache is current."""
    need_kafka = not kafka_installed()
    need_ferretdb = not (ferretdb_installed() and ferretdb_binary().exists())
    if not (need_kafka or need_ferretdb):
        return
    # check every tool first, so a missing one fails fast and names itself
    missing = []
    checks = (
        (need_kafka, lambda: _check_java_version(_java())),
        (need_kafka, _mvn),
        (need_ferretdb, _go),
        (need_ferretdb, _git),
    )
    for needed, check in checks:
        if needed:
            try:
                check()
            except InfraError as exc:
                missing.append(str(exc))
    if missing:
        raise InfraError("cannot install local infrastructure:\n  " + "\n  ".join(missing))
    errors: list[BaseException] = []

    def run(fn) -> None:
        try:
            fn(quiet=quiet)
        except BaseException as exc:
            errors.append(exc)

    fns = [fn for needed, fn in ((need_kafka, install_kafka), (need_ferretdb, install_ferretdb)) if needed]
    threads = [threading.Thread(target=run, args=(fn,)) for fn in fns]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


# --------------------------------------------------------------------------------------------------
# process helpers


def port_free(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def free_ports(n: int, host: str = HOST) -> list[int]:
    """``n`` distinct currently-free TCP ports (sockets held together so they differ)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((host, 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _proc_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            state = fh.read().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except (OSError, IndexError):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def _proc_cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _tail(path: Path, n: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return "(no log)"


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed")
        buf += chunk
    return buf


def kafka_ready(host: str, port: int, timeout: float = 2.0) -> bool:
    """True when the broker answers a Metadata (v4) request listing at least one broker."""
    client_id = b"infra-probe"
    header = struct.pack(">hhih", 3, 4, 7, len(client_id)) + client_id
    body = struct.pack(">ib", -1, 0)  # all topics, no auto-creation
    request = header + body
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            s.settimeout(timeout)
            s.sendall(struct.pack(">i", len(request)) + request)
            size = struct.unpack(">i", _recv_exact(s, 4))[0]
            resp = _recv_exact(s, size)
    except (OSError, ConnectionError, struct.error):
        return False
    if len(resp) < 12:
        return False
    correlation_id, _throttle, n_brokers = struct.unpack(">iii", resp[:12])
    return correlation_id == 7 and n_brokers >= 1


def _bson_ping() -> bytes:
    elems = b"\x10ping\x00" + struct.pack("<i", 1)
    elems += b"\x02$db\x00" + struct.pack("<i", 6) + b"admin\x00"
    return struct.pack("<i", 4 + len(elems) + 1) + elems + b"\x00"


def mongo_ready(host: str, port: int, timeout: float = 2.0) -> bool:
    """True when the server answers ``{ping: 1}`` (OP_MSG) with ``ok: 1``."""
    doc = _bson_ping()
    msg = struct.pack("<I", 0) + b"\x00" + doc
    header = struct.pack("<iiii", 16 + len(msg), 1, 0, 2013)
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            s.settimeout(timeout)
            s.sendall(header + msg)
            length = struct.unpack("<i", _recv_exact(s, 4))[0]
            resp = _recv_exact(s, length - 4)
    except (OSError, ConnectionError, struct.error):
        return False
    idx = resp.find(b"\x01ok\x00")
    if idx < 0:
        return False
    (ok,) = struct.unpack("<d", resp[idx + 4 : idx + 12])
    return ok == 1.0


def _kafka_cluster_id() -> str:
    """Random Kafka cluster id: URL-safe base64 of a UUID, no padding, never starting with '-'."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not text.startswith("-"):
            return text


# --------------------------------------------------------------------------------------------------
# LocalInfra


class LocalInfra:
    """Kafka (KRaft, single combined node) + FerretDB (SQLite) as local processes under ``run_dir``.

    ``kafka_port`` / ``mongo_port`` / ``smtp_port`` None -> free ports are picked at ``start()``.
    The SMTP sink (``smtp_host``, ``smtp_port``, ``mailbox_dir``) is its own process (``smtp_process``).
    Pid files, logs, data and ``env`` live in ``run_dir``. Only the pids recorded there are ever signalled.
    ``stop_at_exit=True`` also stops the processes when this Python process exits normally.
    """

    def __init__(
        self,
        run_dir: str | os.PathLike[str],
        kafka_port: int | None = None,
        mongo_port: int | None = None,
        *,
        smtp_port: int | None = None,
        stop_at_exit: bool = False,
    ) -> None:
        self.run_dir = Path(run_dir).resolve()
        self._want_smtp_port = smtp_port
        self.smtp = SmtpSinkProcess(self.run_dir, smtp_port)
        self._want_kafka_port = kafka_port
        self._want_mongo_port = mongo_port
        self.kafka_port: int | None = kafka_port
        self.controller_port: int | None = None
        self.mongo_port: int | None = mongo_port
        self._procs: dict[str, subprocess.Popen] = {}
        self._stop_at_exit = stop_at_exit
        self._atexit_registered = False
        self._load_state()

    # -- public -----------------------------------------------------------------------------------

    @property
    def kafka_bootstrap(self) -> str:
        if self.kafka_port is None:
            raise InfraError("LocalInfra not started: no Kafka port yet")
        return f"{HOST}:{self.kafka_port}"

    @property
    def mongodb_uri(self) -> str:
        if self.mongo_port is None:
            raise InfraError("LocalInfra not started: no Mongo port yet")
        return f"mongodb://{HOST}:{self.mongo_port}/"

    @property
    def smtp_host(self) -> str:
        return HOST

    @property
    def smtp_port(self) -> int:
        if self.smtp.port is None:
            raise InfraError("LocalInfra not started: no SMTP port yet")
        return self.smtp.port

    @property
    def mailbox_dir(self) -> Path:
        """Where the SMTP sink keeps every accepted mail (one .eml each, and index.jsonl)."""
        return self.smtp.mailbox_dir

    @property
    def env(self) -> dict[str, str]:
        return {
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka_bootstrap,
            "MONGODB_URI": self.mongodb_uri,
            "SMTP_HOST": self.smtp_host,
            "SMTP_PORT": str(self.smtp_port),
            "SMTP_TLS": "none",
            "SMTP_MAILBOX_DIR": str(self.mailbox_dir),
        }

    @property
    def env_file(self) -> Path:
        return self.run_dir / "env"

    def pids(self) -> dict[str, int | None]:
        """Recorded pid per component if that process is alive and ours, else None."""
        return {name: self._live_pid(name) for name in ("kafka", "ferretdb")}

    def running(self) -> bool:
        """Both processes alive and answering."""
        pids = self.pids()
        if not all(pids.values()) or self.kafka_port is None or self.mongo_port is None:
            return False
        return (
            kafka_ready(HOST, self.kafka_port) and mongo_ready(HOST, self.mongo_port) and self.smtp.running()
        )

    def start(self, timeout: float = START_TIMEOUT_S) -> LocalInfra:
        """Install if needed, (re)start both processes, and wait until both answer."""
        install()
        self.stop()  # leftovers of an earlier run in this run_dir (stale or alive)
        attempts = 3 if (self._want_kafka_port is None or self._want_mongo_port is None) else 1
        for attempt in range(1, attempts + 1):
            self._pick_ports()
            try:
                self._start_once(timeout)
                break
            except InfraError as exc:
                self.stop()
                # auto-picked ports can be grabbed by someone else between picking and binding
                bind_race = "already in use" in str(exc).lower() or self._port_clash()
                if attempt == attempts or not bind_race:
                    raise
            except BaseException:  # Ctrl-C while waiting: leave nothing behind
                self.stop()
                raise
        try:
            self.smtp.start(self._want_smtp_port or free_ports(1)[0])
        except BaseException:
            self.stop()
            raise
        self._save_state()
        self.env_file.write_text("".join(f"{k}={v}\n" for k, v in self.env.items()))
        if self._stop_at_exit and not self._atexit_registered:
            atexit.register(self.stop)
            self._atexit_registered = True
        return self

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """SIGTERM our own processes (by recorded pid), SIGKILL after ``timeout``; idempotent."""
        self.smtp.stop(timeout)
        targets = {name: pid for name, pid in self.pids().items() if pid}
        for pid in targets.values():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for name, pid in targets.items():
            self._wait_gone(name, pid, deadline)
        for name in ("kafka", "ferretdb"):
            proc = self._procs.pop(name, None)
            if proc is not None:
                with contextlib.suppress(Exception):
                    proc.wait(timeout=1)
            (self.run_dir / f"{name}.pid").unlink(missing_ok=True)
        self.env_file.unlink(missing_ok=True)

    def _wait_gone(self, name: str, pid: int, deadline: float) -> None:
        """Wait for a signalled server to exit until ``deadline``, then kill it and wait for that."""
        while self._alive(name, pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if self._alive(name, pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            while self._alive(name, pid):
                time.sleep(0.05)

    def restart(
        self, name: str, *, kill: bool = False, down_s: float = 0.0, timeout: float = START_TIMEOUT_S
    ) -> float:
        """Stop one server (``"kafka"`` or ``"ferretdb"``) and start it again on the same ports and data, as
        an operator's restart (SIGTERM) or, with ``kill``, a crash (SIGKILL), after ``down_s`` seconds of
        outage; returns the seconds it was unreachable for. The other server and the SMTP sink keep
        running."""
        spawners = {"kafka": self._spawn_kafka, "ferretdb": self._spawn_ferretdb}
        if name not in spawners:
            raise InfraError(f"cannot restart {name!r}: only {sorted(spawners)}")
        pid = self.pids()[name]
        if pid is None:
            raise InfraError(f"{name} is not running in {self.run_dir}")
        started = time.monotonic()
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL if kill else signal.SIGTERM)
        self._wait_gone(name, pid, time.monotonic() + STOP_TIMEOUT_S)
        proc = self._procs.pop(name, None)
        if proc is not None:
            with contextlib.suppress(Exception):
                proc.wait(timeout=1)
        time.sleep(down_s)
        self._wait_ready({name: spawners[name]()}, timeout)
        self._save_state()
        return time.monotonic() - started

    def __enter__(self) -> LocalInfra:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- internals --------------------------------------------------------------------------------

    def _state_file(self) -> Path:
        return self.run_dir / "infra.json"

    def _load_state(self) -> None:
        try:
            state = json.loads(self._state_file().read_text())
        except (OSError, ValueError):
            return
        if self.kafka_port is None:
            self.kafka_port = state.get("kafka_port")
        if self.mongo_port is None:
            self.mongo_port = state.get("mongo_port")
        self.controller_port = state.get("controller_port")
        if self.smtp.port is None:
            self.smtp.port = state.get("smtp_port")

    def _save_state(self) -> None:
        state = {
            "kafka_port": self.kafka_port,
            "controller_port": self.controller_port,
            "mongo_port": self.mongo_port,
            "smtp_port": self.smtp.port,
            "kafka_version": KAFKA_VERSION,
            "ferretdb_version": FERRETDB_VERSION,
            "pids": self.pids(),
        }
        self._state_file().write_text(json.dumps(state, indent=2) + "\n")

    def _marker(self, name: str) -> str:
        return (
            str(self.run_dir / "kafka" / "server.properties")
            if name == "kafka"
            else str(self.run_dir / "ferretdb" / "data")
        )

    def _live_pid(self, name: str) -> int | None:
        try:
            pid = int((self.run_dir / f"{name}.pid").read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if self._alive(name, pid) else None

    def _alive(self, name: str, pid: int) -> bool:
        proc = self._procs.get(name)
        if proc is not None and proc.pid == pid:
            return proc.poll() is None
        # only a process whose command line names our run_dir counts as ours
        return _proc_alive(pid) and self._marker(name) in _proc_cmdline(pid)

    def _pick_ports(self) -> None:
        wanted = [self._want_kafka_port, self._want_mongo_port]
        fresh = iter(free_ports(3))
        self.kafka_port = wanted[0] or next(fresh)
        self.mongo_port = wanted[1] or next(fresh)
        self.controller_port = next(fresh)
        while self.controller_port in (self.kafka_port, self.mongo_port):
            self.controller_port = free_ports(1)[0]
        for what, port in (("Kafka", self.kafka_port), ("Mongo", self.mongo_port)):
            if not port_free(port):
                raise InfraError(f"{what} port {HOST}:{port} is already in use")

    def _port_clash(self) -> bool:
        return any(not port_free(p) for p in (self.kafka_port, self.mongo_port, self.controller_port) if p)

    def _spawn(self, name: str, cmd: list[str], cwd: Path) -> subprocess.Popen:
        log = self.run_dir / f"{name}.log"
        with open(log, "ab") as out:
            out.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(cmd)}\n".encode())
            out.flush()
            proc = subprocess.Popen(
                cmd,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._procs[name] = proc
        (self.run_dir / f"{name}.pid").write_text(f"{proc.pid}\n")
        return proc

    def _write_kafka_config(self) -> Path:
        kdir = self.run_dir / "kafka"
        data = kdir / "data"
        data.mkdir(parents=True, exist_ok=True)
        props = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@{HOST}:{self.controller_port}",
            "listeners": f"PLAINTEXT://{HOST}:{self.kafka_port},CONTROLLER://{HOST}:{self.controller_port}",
            "advertised.listeners": f"PLAINTEXT://{HOST}:{self.kafka_port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs": str(data),
            "num.partitions": "3",
            "default.replication.factor": "1",
            "min.insync.replicas": "1",
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "3",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "transaction.state.log.num.partitions": "3",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
            "auto.create.topics.enable": "true",
            "delete.topic.enable": "true",
            "num.network.threads": "2",
            "num.io.threads": "2",
            "num.recovery.threads.per.data.dir": "1",
            "log.retention.hours": "24",
            "log.segment.bytes": str(64 * 1024 * 1024),
        }
        config = kdir / "server.properties"
        config.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
        return config

    def _java_cmd(self, java: str, main: str, *args: str, heap: str) -> list[str]:
        extra = os.environ.get("KAFKA_JVM_OPTS", "").split()
        return [
            java,
            *heap.split(),
            "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={LOG4J2_CONFIG}",
            f"-Dkafka.logs.dir={self.run_dir / 'kafka'}",
            *extra,
            "-cp",
            str(kafka_libs() / "*"),
            main,
            *args,
        ]

    def _spawn_kafka(self) -> subprocess.Popen:
        java = _java()
        config = self._write_kafka_config()
        if not (self.run_dir / "kafka" / "data" / "meta.properties").exists():
            cmd = self._java_cmd(
                java,
                "kafka.tools.StorageTool",
                "format",
                "-t",
                _kafka_cluster_id(),
                "-c",
                str(config),
                "--ignore-formatted",
                heap="-Xmx256m",
            )
            _run_tool(cmd, cwd=self.run_dir, what="Kafka storage format")
        heap = os.environ.get("KAFKA_HEAP_OPTS") or KAFKA_HEAP_OPTS
        return self._spawn("kafka", self._java_cmd(java, "kafka.Kafka", str(config), heap=heap), self.run_dir)

    def _spawn_ferretdb(self) -> subprocess.Popen:
        fdb_data = self.run_dir / "ferretdb" / "data"
        fdb_data.mkdir(parents=True, exist_ok=True)
        return self._spawn(
            "ferretdb",
            [
                str(ferretdb_binary()),
                "-listen-addr",
                f"{HOST}:{self.mongo_port}",
                "-state-dir",
                str(fdb_data),
            ],
            self.run_dir,
        )

    def _wait_ready(self, procs: dict[str, subprocess.Popen], timeout: float) -> None:
        """Until every one of ``procs`` (by name) answers; InfraError naming the laggard otherwise."""
        probes = {"kafka": (kafka_ready, self.kafka_port), "ferretdb": (mongo_ready, self.mongo_port)}
        waiting = set(procs)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, proc in procs.items():
                if proc.poll() is not None:
                    raise InfraError(
                        f"{name} exited with {proc.returncode} during start-up; "
                        f"{self.run_dir / (name + '.log')}:\n{_tail(self.run_dir / (name + '.log'))}"
                    )
            for name in list(waiting):
                probe, port = probes[name]
                if probe(HOST, port, timeout=1.0):
                    waiting.discard(name)
            if not waiting:
                return
            time.sleep(0.2)
        names = " and ".join("Kafka" if n == "kafka" else "FerretDB" for n in sorted(waiting))
        first = sorted(waiting)[0]
        raise InfraError(
            f"timed out after {timeout:.0f}s waiting for {names}; logs in {self.run_dir}:\n"
            f"{_tail(self.run_dir / (first + '.log'))}"
        )

    def _start_once(self, timeout: float) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self._wait_ready({"kafka": self._spawn_kafka(), "ferretdb": self._spawn_ferretdb()}, timeout)


# --------------------------------------------------------------------------------------------------
# CLI


def _cli_port(var: str, default: int) -> int | None:
    value = os.environ.get(var)
    if value:
        return int(value)
    return default if port_free(default) else None


def _cmd_install(_: argparse.Namespace) -> int:
    t0 = time.monotonic()
    install(quiet=False)
    print(f"kafka {KAFKA_VERSION}: {kafka_libs()}")
    print(f"ferretdb {FERRETDB_VERSION}: {ferretdb_binary()}")
    print(f"install done in {time.monotonic() - t0:.1f}s")
    return 0


def _print_env(infra: LocalInfra) -> None:
    for k, v in infra.env.items():
        print(f"{k}={v}")


def _cmd_up(_: argparse.Namespace) -> int:
    run_dir = default_run_dir()
    infra = LocalInfra(run_dir)
    if infra.running():
        if not infra.env_file.exists():
            infra.env_file.write_text("".join(f"{k}={v}\n" for k, v in infra.env.items()))
        print(f"already running (run dir {run_dir})", file=sys.stderr)
        _print_env(infra)
        return 0
    infra.stop()  # stale pid files or a half-dead pair
    infra = LocalInfra(
        run_dir,
        kafka_port=_cli_port("KAFKA_PORT", DEFAULT_KAFKA_PORT),
        mongo_port=_cli_port("MONGO_PORT", DEFAULT_MONGO_PORT),
    )
    t0 = time.monotonic()
    infra.start()
    print(
        f"started in {time.monotonic() - t0:.1f}s (run dir {run_dir}; env file {infra.env_file})",
        file=sys.stderr,
    )
    _print_env(infra)
    return 0


def _cmd_down(_: argparse.Namespace) -> int:
    infra = LocalInfra(default_run_dir())
    pids = infra.pids()
    infra.stop()
    stopped = ", ".join(f"{k} (pid {v})" for k, v in pids.items() if v) or "nothing was running"
    print(f"stopped: {stopped}")
    return 0


def _cmd_status(_: argparse.Namespace) -> int:
    run_dir = default_run_dir()
    infra = LocalInfra(run_dir)
    pids = infra.pids()
    ok = True
    for name, port, probe in (
        ("kafka", infra.kafka_port, kafka_ready),
        ("ferretdb", infra.mongo_port, mongo_ready),
    ):
        pid = pids[name]
        if pid:
            answers = bool(port) and probe(HOST, port)
            print(f"{name}: running pid {pid} on {HOST}:{port} ({'ready' if answers else 'NOT answering'})")
            ok = ok and answers
        else:
            print(f"{name}: not running")
            ok = False
    print(f"run dir: {run_dir}")
    print(
        f"kafka {KAFKA_VERSION} installed: {kafka_installed()}; "
        f"ferretdb {FERRETDB_VERSION} installed: {ferretdb_installed()} (cache {cache_dir()})"
    )
    return 0 if ok else 3


def _cmd_env(_: argparse.Namespace) -> int:
    env_file = LocalInfra(default_run_dir()).env_file
    if not env_file.exists():
        print(f"{env_file} not found: run `python deploy/local/infra.py up` first", file=sys.stderr)
        return 1
    sys.stdout.write(env_file.read_text())
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="infra.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name, fn, help_ in (
        ("install", _cmd_install, "install Kafka jars and build FerretDB into the cache"),
        ("up", _cmd_up, "start Kafka + FerretDB (env KAFKA_PORT, MONGO_PORT, RUN_DIR)"),
        ("down", _cmd_down, "stop them"),
        ("status", _cmd_status, "show what runs (exit 3 unless both are ready)"),
        ("env", _cmd_env, "print <run_dir>/env"),
    ):
        sub.add_parser(name, help=help_).set_defaults(func=fn)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except InfraError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
