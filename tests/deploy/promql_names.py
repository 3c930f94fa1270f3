"""Metric names that PromQL expressions reference, and the names docs/contracts.md promises.

A small lexer rather than a full PromQL parser: strings, label matchers, ranges, grouping clauses,
numbers, keywords and function calls are removed, and what is left are metric names. Grafana's
`$variables` are accepted anywhere. Reused by the scrape-based check against live services.
"""

from __future__ import annotations

import re
from pathlib import Path

AGGREGATIONS = frozenset(
    {
        "sum",
        "min",
        "max",
        "avg",
        "group",
        "stddev",
        "stdvar",
        "count",
        "count_values",
        "bottomk",
        "topk",
        "quantile",
        "limitk",
        "limit_ratio",
    }
)
KEYWORDS = frozenset(
    {
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
        "bool",
        "offset",
        "and",
        "or",
        "unless",
        "atan2",
        "inf",
        "nan",
    }
)
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_NAME_MATCHER = re.compile(r'__name__\s*=\s*"((?:[^"\\]|\\.)*)"')
_GRAFANA_VAR = re.compile(r"\$\{[^}]*\}|\$\w+|\[\[\w+\]\]")
_BRACES = re.compile(r"\{[^{}]*\}")
_BRACKETS = re.compile(r"\[[^\[\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
_OFFSET = re.compile(r"\boffset\s+-?[0-9a-zA-Z]+|@\s*(?:start\(\)|end\(\)|[0-9.]+)")
_NUMBER = re.compile(r"(?<![\w:])(?:0x[0-9a-fA-F]+|[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)(?![\w:])")
_IDENT = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")


def metric_names_in(expr: str) -> set[str]:
    """Every metric name the PromQL expression selects (bare selectors and {__name__="..."})."""
    names = set(_NAME_MATCHER.findall(expr))
    text = _GRAFANA_VAR.sub("1", expr)
    text = _STRING.sub('""', text)
    text = _BRACES.sub(" ", text)
    while _BRACKETS.search(text):  # subqueries may nest ranges
        text = _BRACKETS.sub(" ", text)
    text = _GROUPING.sub(" ", text)
    text = _OFFSET.sub(" ", text)
    text = _NUMBER.sub(" ", text)
    for match in _IDENT.finditer(text):
        word = match.group(0)
        rest = text[match.end() :].lstrip()
        if rest.startswith("("):  # a function call or an aggregation with its argument list
            continue
        if word.lower() in KEYWORDS or word in AGGREGATIONS:
            continue
        names.add(word)
    return names


def contract_metric_names(contracts_md: Path) -> tuple[set[str], set[str]]:
    """(all metric names, histogram names) listed in the "Metric names" section of docs/contracts.md."""
    text = contracts_md.read_text(encoding="utf-8")
    section = re.search(r"^## Metric names.*?$(.*?)(?=^## |\Z)", text, re.M | re.S)
    if section is None:
        raise ValueError(f"{contracts_md} has no '## Metric names' section")
    body = section.group(1)
    names: set[str] = set()
    histograms: set[str] = set()
    for match in re.finditer(r"`([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}`]*\})?`", body):
        name = match.group(1)
        names.add(name)
        following = body[match.end() : match.end() + 20]
        if "histogram" in following or name.endswith("_seconds"):
            histograms.add(name)
    return names, histograms


def allowed_metric_names(contracts_md: Path, extra: set[str] | frozenset[str] = frozenset()) -> set[str]:
    """Names a dashboard or rule may use: the contract's, histogram series of its histograms, and `up`."""
    names, histograms = contract_metric_names(contracts_md)
    names |= set(extra)
    allowed = names | {"up"}
    for name in histograms:
        allowed |= {name + suffix for suffix in HISTOGRAM_SUFFIXES}
    return allowed
