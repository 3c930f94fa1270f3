"""``python -m bench.e2e``: both parts on one running system; writes bench/results/e2e.json."""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path

from bench.e2e.scale import scale_run
from bench.e2e.steady import steady_run
from bench.e2e.system import Mailbox, System
from bench.intake_bench import RESULTS, infrastructure
from deploy.local.infra import free_ports
from deploy.local.smtp_process import SmtpSinkProcess


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.e2e", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--scale",
        type=float,
        default=float(os.environ.get("E2E_SCALE", "1")),
        help="1 = 10,000 employees, 2,500 x 2,500, 30 s of load; 0.1 runs in ~2 min",
    )
    parser.add_argument("--rate", type=float, default=200.0, help="enrolments/s through the chain")
    parser.add_argument("--side-rate", type=float, default=10.0, help="req/s of each other endpoint")
    parser.add_argument("--duration", type=float, help="seconds of steady load (default 30 x scale, >= 10)")
    parser.add_argument("--threads", type=int, default=128, help="driver threads")
    parser.add_argument("--out", default=str(RESULTS / "e2e.json"))
    parser.add_argument("--note", action="append", default=[], help="a finding to keep with the figures")
    parser.add_argument(
        "--profile", help="a directory: run notifications' worker under bench.profiled_worker"
    )
    args = parser.parse_args(argv)
    employees, cohort = round(10_000 * args.scale), round(2_500 * args.scale)
    duration = args.duration or max(10.0, 30 * args.scale)

    from shared.config import SERVICES, Settings
    from shared.mongo import client_for
    from shared.topics import ensure_topics
    from tests.support.processes import REPO, ServiceProcesses

    class Processes(ServiceProcesses):
        """The system's processes; with ``--profile`` notifications' worker runs under cProfile and counts
        its database round trips (bench/profiled_worker.py), written to the directory when it stops."""

        def _spawn(self, name: str) -> None:
            if name != "notifications-worker" or not args.profile:
                return super()._spawn(name)
            env = {**self._env("notifications"), "METRICS_PORT": str(self.worker_ports["notifications"])}
            command = ["-m", "bench.profiled_worker", "notifications", str(Path(args.profile).resolve())]
            with open(self.log_dir / f"{name}.log", "ab") as log:
                self.processes[name] = subprocess.Popen([sys.executable, *command], cwd=REPO, env=env,
                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
            return None

    load_at_start = os.getloadavg()
    with infrastructure() as infra, tempfile.TemporaryDirectory(prefix="e2e-bench-") as scratch:
        tag = f"e2e{uuid.uuid4().hex[:6]}"
        settings = {
            service: Settings.from_env(
                service,
                {
                    **infra,
                    "AUTH_MODE": "dev",
                    "TOPIC_PREFIX": f"{tag}.",
                    "MONGODB_DATABASE": f"{tag}_{service}",
                    "DEV_KEYS_DIR": str(Path(scratch) / "keys"),
                },
            )
            for service in SERVICES
        }
        ensure_topics(settings["intake"])
        sink, raw_sink = SmtpSinkProcess(Path(scratch) / "sink"), SmtpSinkProcess(Path(scratch) / "raw")
        for one, port in zip((sink, raw_sink), free_ports(2), strict=True):
            one.run_dir.mkdir()
            one.start(port)
        smtp = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(sink.port), "SMTP_TLS": "none"}
        processes = Processes(settings, Path(scratch) / "logs", extra_env=smtp)
        client = client_for(settings["notifications"])
        try:
            processes.start(timeout_s=180)
            system = System(
                {s: processes.api_url(s) for s in SERVICES},
                settings["intake"],
                client[settings["notifications"].mongodb_database],
                Mailbox(sink.mailbox_dir),
                sink.mailbox_dir,
            )
            scale = scale_run(system, employees, cohort, cohort, raw_sink.port)
            print(json.dumps(scale, indent=1), flush=True)
            steady = steady_run(system, processes, args.rate, args.side_rate, duration, args.threads)
        finally:
            exits = processes.stop()
            sink.stop()
            raw_sink.stop()
            for service in SERVICES:
                client.drop_database(settings[service].mongodb_database)
    load_at_end = os.getloadavg()
    busy = load_at_start[0] > 2  # the load at the end is mostly this benchmark's own processes
    result = {
        "benchmark": "e2e",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": f"python -m bench.e2e --scale {args.scale:g} --rate {args.rate:g} --side-rate "
        f"{args.side_rate:g} --duration {duration:g}",
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "loadavg_at_start": [round(x, 2) for x in load_at_start],
            "loadavg_at_end": [round(x, 2) for x in load_at_end],
            "busy": busy,
            "note": "load > 2 on 2 cores: other work shared the machine; rerun on a quiet one"
            if busy
            else "",
        },
        "process_exit_codes": exits,
        "scale": scale,
        "steady": steady,
        **({"notes": args.note} if args.note else {}),
    }
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(steady, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
