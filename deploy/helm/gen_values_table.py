"""Regenerate the values table of the chart README from the `## @param` comments of values.yaml.

Usage: python deploy/helm/gen_values_table.py [--check] [CHART_DIR]
The table replaces the text between the values-table markers of CHART_DIR/README.md; --check only
reports (exit 1) when the README is out of date. `undocumented_keys()` lists values without a @param.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

START = "<!-- values-table:start -->"
END = "<!-- values-table:end -->"
DEFAULT_CHART = Path(__file__).resolve().parent / "reverse-mentoring"
_PARAM = re.compile(r"^\s*## @param\s+(\S+)\s+(.*)$")
_SECTION = re.compile(r"^\s*## @section\s+(.*)$")
_MISSING = object()


def parse_params(values_yaml: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """[(section title, [(key, description), ...]), ...] in file order."""
    sections: list[tuple[str, list[tuple[str, str]]]] = [("Parameters", [])]
    for line in values_yaml.splitlines():
        if m := _SECTION.match(line):
            sections.append((m.group(1).strip(), []))
        elif m := _PARAM.match(line):
            sections[-1][1].append((m.group(1), m.group(2).strip()))
    return [(title, params) for title, params in sections if params]


def lookup(values: dict[str, Any], key: str) -> Any:
    node: Any = values
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return _MISSING
        node = node[part]
    return node


def leaf_keys(node: Any, prefix: str = "") -> list[str]:
    """Dotted paths of every scalar, list or empty map in values.yaml."""
    if isinstance(node, dict) and node:
        keys: list[str] = []
        for k, v in node.items():
            keys += leaf_keys(v, f"{prefix}.{k}" if prefix else str(k))
        return keys
    return [prefix]


def undocumented_keys(chart_dir: Path = DEFAULT_CHART) -> list[str]:
    """Values keys that neither have a @param nor sit under a documented parent key."""
    text = (chart_dir / "values.yaml").read_text(encoding="utf-8")
    documented = {key for _, params in parse_params(text) for key, _ in params}
    values = yaml.safe_load(text)
    missing = []
    for key in leaf_keys(values):
        parts = key.split(".")
        if not any(".".join(parts[:n]) in documented for n in range(1, len(parts) + 1)):
            missing.append(key)
    return missing


def unknown_params(chart_dir: Path = DEFAULT_CHART) -> list[str]:
    """@param keys that do not exist in values.yaml (typos in the documentation)."""
    text = (chart_dir / "values.yaml").read_text(encoding="utf-8")
    values = yaml.safe_load(text)
    return [key for _, params in parse_params(text) for key, _ in params if lookup(values, key) is _MISSING]


def _cell(value: Any) -> str:
    if value is _MISSING:
        return ""
    rendered = json.dumps(value, separators=(", ", ": ")) if not isinstance(value, str) else json.dumps(value)
    if len(rendered) > 60:
        rendered = rendered[:57] + "..."
    return "`" + rendered.replace("|", "\\|") + "`"


def render_table(chart_dir: Path = DEFAULT_CHART) -> str:
    text = (chart_dir / "values.yaml").read_text(encoding="utf-8")
    values = yaml.safe_load(text)
    out: list[str] = []
    for title, params in parse_params(text):
        out += [f"### {title}", "", "| Name | Description | Default |", "| --- | --- | --- |"]
        for key, description in params:
            escaped = description.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
            out.append(f"| `{key}` | {escaped} | {_cell(lookup(values, key))} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def updated_readme(readme: str, table: str) -> str:
    if START not in readme or END not in readme:
        raise ValueError(f"README lacks the {START} / {END} markers")
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{table}{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chart", nargs="?", type=Path, default=DEFAULT_CHART)
    parser.add_argument("--check", action="store_true", help="exit 1 if README.md is out of date")
    args = parser.parse_args(argv)
    readme_path = args.chart / "README.md"
    readme = readme_path.read_text(encoding="utf-8")
    new = updated_readme(readme, render_table(args.chart))
    if args.check:
        if new != readme:
            print(f"{readme_path} is out of date: run `make helm-docs`", file=sys.stderr)
            return 1
        return 0
    if new != readme:
        readme_path.write_text(new, encoding="utf-8")
        print(f"updated {readme_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
