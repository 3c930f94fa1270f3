"""The PromQL metric-name lexer used by the allow-list checks."""

from __future__ import annotations

import pytest

from tests.deploy.conftest import REPO
from tests.deploy.promql_names import allowed_metric_names, contract_metric_names, metric_names_in


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        ("up == 0", {"up"}),
        ('up{job=~".+-worker"} == 0', {"up"}),
        ('sum by (service) (rate(http_requests_total{status=~"5.."}[5m]))', {"http_requests_total"}),
        (
            "histogram_quantile(0.99, sum by (le, service) (rate(x_seconds_bucket[$__rate_interval])))",
            {"x_seconds_bucket"},
        ),
        ("a_total / on (service) group_left (team) b_info", {"a_total", "b_info"}),
        ("max(c) > 0 unless on () sum(increase(d_total[3h])) > 1e3", {"c", "d_total"}),
        ("deriv(lag[15m:1m]) > 0 and lag offset 1h", {"lag"}),
        ('{__name__="named_total", job="x"}', {"named_total"}),
        ('count_values("value", build_info)', {"build_info"}),
        ("topk(5, sum without (instance) (rate(e_total[5m])))", {"e_total"}),
        ('sum(rate(f_total{service=~"$service"}[${__range}]))', {"f_total"}),
        ("recording:rule:rate5m > bool 2", {"recording:rule:rate5m"}),
    ],
)
def test_metric_names_are_found_and_nothing_else(expr: str, names: set[str]) -> None:
    assert metric_names_in(expr) == names


def test_contract_names_and_histograms_are_read_from_docs() -> None:
    names, histograms = contract_metric_names(REPO / "docs" / "contracts.md")
    assert {"http_requests_total", "consumer_lag", "match_score", "insights_acted_upon_total"} <= names
    assert {"http_request_duration_seconds", "event_processing_seconds", "match_score"} <= histograms
    allowed = allowed_metric_names(REPO / "docs" / "contracts.md")
    assert {"up", "match_score_bucket", "http_request_duration_seconds_count"} <= allowed
    assert "http_requests_total_bucket" not in allowed
