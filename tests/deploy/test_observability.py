"""Alert rules (promtool), the Grafana dashboard, and the metric names both of them use."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from tests.deploy.conftest import CHART, REPO, Tools, run
from tests.deploy.promql_names import allowed_metric_names, metric_names_in

pytestmark = pytest.mark.timeout(1800)

RULES = CHART / "files" / "prometheus-rules.yaml"
RULES_TEST = REPO / "tests" / "deploy" / "prometheus" / "rules-test.yaml"
DASHBOARDS = sorted((CHART / "files" / "dashboards").glob("*.json"))
CONTRACTS = REPO / "docs" / "contracts.md"
# exported by shared/metrics.py for the matching service but not (yet) listed in docs/contracts.md
NOT_YET_IN_CONTRACTS = frozenset({"match_runs_total", "programs_by_status"})
REQUIRED_ALERTS = {
    "MentoringApiErrorRatioHigh",
    "MentoringApiLatencyHigh",
    "MentoringConsumerLagGrowing",
    "MentoringDeadLettersGrowing",
    "MentoringNoSuccessfulMatchRun",
    "MentoringNotificationFailures",
    "MentoringWorkerDown",
}


def alerts() -> list[dict]:
    return [r for g in yaml.safe_load(RULES.read_text())["groups"] for r in g["rules"] if "alert" in r]


def dashboard_exprs(dashboard: dict) -> list[str]:
    exprs = []
    for panel in dashboard["panels"]:
        exprs += [t["expr"] for t in panel.get("targets", [])]
        for inner in panel.get("panels", []):
            exprs += [t["expr"] for t in inner.get("targets", [])]
    return exprs


def test_promtool_accepts_the_rule_file(tools: Tools) -> None:
    proc = run([tools.promtool, "check", "rules", RULES])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_alerts_fire_and_stay_silent_as_the_promtool_unit_tests_expect(tools: Tools) -> None:
    proc = run([tools.promtool, "test", "rules", RULES_TEST])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "SUCCESS" in proc.stdout


def test_every_required_alert_exists_and_is_routable() -> None:
    by_name = {a["alert"]: a for a in alerts()}
    assert set(by_name) >= REQUIRED_ALERTS
    for alert in by_name.values():
        assert alert["labels"]["severity"] in {"critical", "warning", "info"}, alert["alert"]
        assert alert["annotations"]["summary"] and alert["annotations"]["description"], alert["alert"]


def test_every_alert_has_promtool_cases_that_fire_and_cases_that_do_not() -> None:
    cases = [c for t in yaml.safe_load(RULES_TEST.read_text())["tests"] for c in t.get("alert_rule_test", [])]
    for alert in alerts():
        mine = [c for c in cases if c["alertname"] == alert["alert"]]
        assert any(c["exp_alerts"] for c in mine), f"{alert['alert']}: no case where it fires"
        assert any(not c["exp_alerts"] for c in mine), f"{alert['alert']}: no case where it stays silent"


def test_the_rule_file_is_the_single_source_for_the_chart() -> None:
    template = (CHART / "templates" / "prometheusrule.yaml").read_text()
    assert '.Files.Get "files/prometheus-rules.yaml"' in template
    assert "expr:" not in template


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_dashboard_is_valid_grafana_json(path) -> None:
    dashboard = json.loads(path.read_text())
    assert dashboard["uid"] and dashboard["title"]
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert (
        variables["datasource"]["type"] == "datasource" and variables["datasource"]["query"] == "prometheus"
    )
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    for panel in dashboard["panels"]:
        pos = panel["gridPos"]
        assert pos["x"] + pos["w"] <= 24, panel["title"]
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
            assert panel["targets"], panel["title"]
            ref_ids = [t["refId"] for t in panel["targets"]]
            assert len(ref_ids) == len(set(ref_ids)), panel["title"]


def test_dashboard_covers_golden_signals_event_flow_lag_dlq_and_business() -> None:
    dashboard = json.loads(DASHBOARDS[0].read_text())
    text = " ".join(dashboard_exprs(dashboard))
    for metric in (
        "http_requests_total",
        "http_request_duration_seconds_bucket",
        "events_published_total",
        "events_consumed_total",
        "consumer_lag",
        "events_dead_lettered_total",
        "pairings_total",
        "match_score_bucket",
        "insights_acted_upon_total",
        "pulse_responses_total",
    ):
        assert metric in text, f"no panel shows {metric}"
    titles = {p["title"] for p in dashboard["panels"] if p["type"] == "row"}
    assert {
        "Golden signals per service",
        "Event flow per topic",
        "Consumer lag and dead letters",
        "Business",
    } <= titles


def _all_exprs() -> list[tuple[str, str]]:
    exprs = [(f"rule {a['alert']}", a["expr"]) for a in alerts()]
    for path in DASHBOARDS:
        dashboard = json.loads(path.read_text())
        exprs += [(f"{path.name}", e) for e in dashboard_exprs(dashboard)]
        for variable in dashboard["templating"]["list"]:
            query = variable.get("query")
            query = query.get("query", "") if isinstance(query, dict) else str(query or "")
            exprs += [
                (f"{path.name} ${variable['name']}", m) for m in re.findall(r"label_values\((\w+)", query)
            ]
    return exprs


def test_rules_and_dashboards_use_only_metrics_the_services_promise() -> None:
    allowed = allowed_metric_names(CONTRACTS, NOT_YET_IN_CONTRACTS)
    unknown = {
        f"{where}: {name}"
        for where, expr in _all_exprs()
        for name in metric_names_in(expr)
        if name not in allowed
    }
    assert not unknown, "metric names not in docs/contracts.md:\n" + "\n".join(sorted(unknown))


def test_metrics_not_yet_in_the_contract_are_defined_by_the_chassis() -> None:
    source = (REPO / "shared" / "metrics.py").read_text()
    for name in NOT_YET_IN_CONTRACTS:
        assert f'"{name}"' in source, f"{name} is used by alerts/dashboards but no service defines it"
