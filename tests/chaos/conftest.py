"""The chaos package's own system: its own Kafka + FerretDB (own ports and run dir, so restarting them
leaves the rest of the suite alone), its own SMTP sink, webhook receiver and service processes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bench.chaos import Rig, chaos_rig, own_infra
from deploy.local.infra import LocalInfra


@pytest.fixture(scope="package")
def infra(tmp_path_factory) -> Iterator[LocalInfra]:
    with own_infra(tmp_path_factory.mktemp("chaos-infra")) as servers:
        yield servers


@pytest.fixture(scope="package")
def rig(infra: LocalInfra, tmp_path_factory) -> Iterator[Rig]:
    with chaos_rig(tmp_path_factory.mktemp("chaos"), infra) as running:
        yield running
