"""A local Kubernetes control plane as processes: etcd, kube-apiserver, kube-controller-manager,
kube-scheduler and kwok (fake nodes), on free 127.0.0.1 ports, with a throw-away PKI.

Admission is real (Pod Security, Priority, ServiceAccount, CRD schemas, ...), controllers create pods, the
scheduler binds them to kwok's nodes and kwok reports them running and ready; no container ever runs.

    with LocalCluster(tmp_path / "k8s") as cluster:
        cluster.kubectl("get", "nodes")                 # CompletedProcess, check=False
        cluster.kubeconfig                              # admin (system:masters) kubeconfig path

Only the pids this object started (recorded in ``<run_dir>/<component>.pid``) are ever signalled.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import signal
import ssl
import subprocess
import time
from pathlib import Path

from deploy.local.infra import HOST, InfraError, _proc_alive, _proc_cmdline, _tail, free_ports
from deploy.local.k8s import build
from deploy.local.k8s.lifetime import die_with_parent
from deploy.local.k8s.pki import API_SERVER_NAMES, LocalPKI, kubeconfig

SERVICE_CIDR = "10.96.0.0/16"
API_SERVICE_IP = "10.96.0.1"
POD_CIDR = "10.244.0.0/16"
START_TIMEOUT_S = 180.0
STOP_TIMEOUT_S = 15.0
NODES = ("kwok-node-a", "kwok-node-b", "kwok-node-c")
KWOK_NODE_ANNOTATION = "kwok.x-k8s.io/node"
# started in this order, stopped in reverse
COMPONENTS = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok")


class LocalCluster:
    def __init__(self, run_dir: str | os.PathLike[str]) -> None:
        self.run_dir = Path(run_dir).resolve()
        self.ports: dict[str, int] = {}
        self._procs: dict[str, subprocess.Popen] = {}
        self._bin = build.binaries()

    @property
    def server(self) -> str:
        return f"https://{HOST}:{self.ports['kube-apiserver']}"

    @property
    def kubeconfig(self) -> Path:
        return self.run_dir / "admin.kubeconfig"

    @property
    def version(self) -> str:
        return build.KUBERNETES_VERSION

    def kubectl(
        self, *args: str, stdin: str | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(self._bin["kubectl"]), "--kubeconfig", str(self.kubeconfig), *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def get(self, path: str) -> tuple[int, dict]:
        """GET an API path as the admin; (status, decoded JSON body)."""
        conn = http.client.HTTPSConnection(HOST, self.ports["kube-apiserver"], context=self._tls, timeout=10)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read()
        finally:
            conn.close()
        try:
            return response.status, json.loads(body)
        except ValueError:
            return response.status, {"raw": body.decode(errors="replace")}

    # -- lifecycle --------------------------------------------------------------------------------

    def start(self, timeout: float = START_TIMEOUT_S) -> LocalCluster:
        missing = [name for name, path in self._bin.items() if not path.exists()]
        if missing:
            raise InfraError(
                f"control plane not built ({', '.join(missing)}): python -m deploy.local.k8s build"
            )
        self.run_dir.mkdir(parents=True, exist_ok=True)
        running = self._recorded_live_pids()
        if running:
            raise InfraError(f"a control plane already runs from {self.run_dir}: {running}")
        shutil.rmtree(self.run_dir / "etcd", ignore_errors=True)  # the state of an earlier run, its PKI gone
        try:
            self._start(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """SIGTERM each component we started (newest first), SIGKILL after a grace period; idempotent."""
        for name in reversed(COMPONENTS):
            proc = self._procs.pop(name, None)
            if proc is None:
                continue
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            (self.run_dir / f"{name}.pid").unlink(missing_ok=True)

    def _recorded_live_pids(self) -> dict[str, int]:
        """Pid files of this run folder naming a live process that runs from it (another ``up``)."""
        found = {}
        for name in COMPONENTS:
            try:
                pid = int((self.run_dir / f"{name}.pid").read_text())
            except (OSError, ValueError):
                continue
            if _proc_alive(pid) and str(self.run_dir) in _proc_cmdline(pid):
                found[name] = pid
        return found

    def pids(self) -> dict[str, int]:
        return {name: proc.pid for name, proc in self._procs.items() if proc.poll() is None}

    def __enter__(self) -> LocalCluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- internals --------------------------------------------------------------------------------

    def _start(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        names = ("etcd-client", "etcd-peer", "kube-apiserver", "kube-controller-manager", "kube-scheduler")
        self.ports = dict(zip(names, free_ports(len(names)), strict=True))
        self._write_pki()
        self._spawn("etcd", self._etcd_args())
        self._wait("etcd", deadline, self._etcd_healthy)
        self._spawn("kube-apiserver", self._apiserver_args())
        self._wait("kube-apiserver", deadline, lambda: self._healthy("/readyz"))
        self._spawn("kube-controller-manager", self._controller_manager_args())
        self._spawn("kube-scheduler", self._scheduler_args())
        self._spawn("kwok", self._kwok_args(), env={"HOME": str(self.run_dir / "kwok")})
        for node in NODES:
            self._create_node(node)
        self._wait("kwok", deadline, self._nodes_ready)
        self._wait("kube-controller-manager", deadline, self._default_service_account)

    def _write_pki(self) -> None:
        pki = LocalPKI(self.run_dir / "pki")
        self._ca = pki.ca
        self._serving = pki.server("kube-apiserver", API_SERVER_NAMES, (HOST, API_SERVICE_IP))
        self._sa = pki.signing_key("service-account")
        clients = {
            "admin": ("kubernetes-admin", "system:masters"),
            "kube-controller-manager": ("system:kube-controller-manager", None),
            "kube-scheduler": ("system:kube-scheduler", None),
            "kwok": ("kwok-controller", "system:masters"),
        }
        for name, (user, group) in clients.items():
            credential = pki.client(name, user, group)
            path = self.run_dir / f"{name}.kubeconfig"
            path.write_text(kubeconfig(self.server, pki.ca_pem, credential))
            path.chmod(0o600)  # it holds a private key (and helm warns about a readable one)
        admin = self.run_dir / "pki" / "admin"
        self._tls = ssl.create_default_context(cafile=str(self._ca.cert))
        self._tls.load_cert_chain(f"{admin}.crt", f"{admin}.key")

    def _etcd_args(self) -> list[str]:
        client = f"http://{HOST}:{self.ports['etcd-client']}"
        peer = f"http://{HOST}:{self.ports['etcd-peer']}"
        return [
            "--name=local", f"--data-dir={self.run_dir / 'etcd'}", f"--listen-client-urls={client}",
            f"--advertise-client-urls={client}", f"--listen-peer-urls={peer}",
            f"--initial-advertise-peer-urls={peer}", f"--initial-cluster=local={peer}",
            "--unsafe-no-fsync", "--log-level=warn",
        ]  # fmt: skip

    def _apiserver_args(self) -> list[str]:
        pki = self.run_dir / "pki"
        return [
            f"--bind-address={HOST}", f"--advertise-address={HOST}",
            f"--secure-port={self.ports['kube-apiserver']}",
            f"--etcd-servers=http://{HOST}:{self.ports['etcd-client']}",
            f"--tls-cert-file={self._serving.cert}", f"--tls-private-key-file={self._serving.key}",
            f"--client-ca-file={self._ca.cert}", "--authorization-mode=Node,RBAC",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-account-key-file={self._sa.cert}",
            f"--service-account-signing-key-file={self._sa.key}",
            f"--service-cluster-ip-range={SERVICE_CIDR}", "--endpoint-reconciler-type=none",
            f"--cert-dir={pki / 'apiserver'}", "--profiling=false",
        ]  # fmt: skip

    def _component_args(self, name: str) -> list[str]:
        config = self.run_dir / f"{name}.kubeconfig"
        return [
            f"--kubeconfig={config}", f"--authentication-kubeconfig={config}",
            f"--authorization-kubeconfig={config}", f"--bind-address={HOST}",
            f"--secure-port={self.ports[name]}", f"--cert-dir={self.run_dir / 'pki' / name}",
            "--leader-elect=false", "--profiling=false",
        ]  # fmt: skip

    def _controller_manager_args(self) -> list[str]:
        return [
            *self._component_args("kube-controller-manager"),
            "--use-service-account-credentials=true",
            f"--service-account-private-key-file={self._sa.key}", f"--root-ca-file={self._ca.cert}",
            f"--cluster-signing-cert-file={self._ca.cert}", f"--cluster-signing-key-file={self._ca.key}",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
        ]  # fmt: skip

    def _scheduler_args(self) -> list[str]:
        return self._component_args("kube-scheduler")

    def _kwok_args(self) -> list[str]:
        (self.run_dir / "kwok").mkdir(exist_ok=True)
        config = self.run_dir / "kwok" / "stages.yaml"
        config.write_text("\n---\n".join(path.read_text() for path in build.kwok_stages()))
        return [
            f"--config={config}", f"--kubeconfig={self.run_dir / 'kwok.kubeconfig'}",
            "--node-lease-duration-seconds=40",
            f"--manage-nodes-with-annotation-selector={KWOK_NODE_ANNOTATION}=fake",
            f"--cidr={POD_CIDR}", f"--node-ip={HOST}",
        ]  # fmt: skip

    def _spawn(self, name: str, args: list[str], env: dict[str, str] | None = None) -> None:
        log = open(self.run_dir / f"{name}.log", "wb")  # noqa: SIM115 - the child keeps it
        with log:
            proc = subprocess.Popen(
                [str(self._bin[name]), *args],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=self.run_dir,
                env={**os.environ, **(env or {})},
                preexec_fn=die_with_parent,
            )
        self._procs[name] = proc
        (self.run_dir / f"{name}.pid").write_text(f"{proc.pid}\n")

    def _wait(self, name: str, deadline: float, ready) -> None:
        while time.monotonic() < deadline:
            for component, proc in self._procs.items():
                if proc.poll() is not None:
                    log = _tail(self.run_dir / f"{component}.log")
                    raise InfraError(f"{component} exited ({proc.returncode}) while starting:\n{log}")
            with contextlib.suppress(OSError):
                if ready():
                    return
            time.sleep(0.3)
        raise InfraError(f"{name} not ready in time:\n{_tail(self.run_dir / f'{name}.log')}")

    def _etcd_healthy(self) -> bool:
        conn = http.client.HTTPConnection(HOST, self.ports["etcd-client"], timeout=2)
        try:
            conn.request("GET", "/health")
            return json.loads(conn.getresponse().read()).get("health") == "true"
        finally:
            conn.close()

    def _healthy(self, path: str) -> bool:
        status, _ = self.get(path)
        return status == 200

    def _create_node(self, name: str) -> None:
        capacity = {"cpu": "16", "memory": "64Gi", "pods": "110"}
        node = {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": name,
                "annotations": {KWOK_NODE_ANNOTATION: "fake", "node.alpha.kubernetes.io/ttl": "0"},
                "labels": {
                    "kubernetes.io/hostname": name,
                    "kubernetes.io/os": "linux",
                    "kubernetes.io/arch": "amd64",
                    "topology.kubernetes.io/zone": f"zone-{name[-1]}",
                    "type": "kwok",
                },
            },
            "status": {"capacity": capacity, "allocatable": capacity},
        }
        proc = self.kubectl("create", "-f", "-", stdin=json.dumps(node))
        if proc.returncode != 0:
            raise InfraError(f"creating node {name} failed: {proc.stderr}")

    def _nodes_ready(self) -> bool:
        status, body = self.get("/api/v1/nodes")
        ready = [
            n
            for n in body.get("items", [])
            if any(c["type"] == "Ready" and c["status"] == "True" for c in n["status"].get("conditions", []))
        ]
        return status == 200 and len(ready) == len(NODES)

    def _default_service_account(self) -> bool:
        status, _ = self.get("/api/v1/namespaces/default/serviceaccounts/default")
        return status == 200
