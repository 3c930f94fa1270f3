"""Runs a guide page: its ``bash`` blocks in one shell, in order, and compares each block's output with the
``json`` blocks that follow it in the page (the shape shown must be the shape returned)."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FENCE = re.compile(r"^```(\w*)\n(.*?)^```\s*$", re.S | re.M)
MARK = "@@guide-block-{}@@"


@dataclass
class Block:
    script: str
    shown: list[Any] = field(default_factory=list)  # the json blocks that follow it in the page
    output: str = ""


def blocks_of(page: str) -> list[Block]:
    blocks: list[Block] = []
    for kind, body in FENCE.findall(page):
        if kind == "bash":
            blocks.append(Block(body))
        elif kind == "json" and blocks:
            blocks[-1].shown.append(json.loads(body))
    return blocks


def run_page(path: Path, cwd: Path, env: dict[str, str], timeout_s: float = 240) -> list[Block]:
    """Every bash block in one ``bash -euo pipefail`` process; each block's output is cut out by a marker."""
    blocks = blocks_of(path.read_text())
    script = "\n".join(f"{b.script}\necho '{MARK.format(i)}'" for i, b in enumerate(blocks))
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )
    rest = done.stdout
    for index, block in enumerate(blocks):
        block.output, _, rest = rest.partition(MARK.format(index) + "\n")
    if done.returncode != 0:
        reached = next((i for i, b in enumerate(blocks) if MARK.format(i) not in done.stdout), len(blocks))
        raise AssertionError(
            f"{path.name}: block {reached + 1} failed (exit {done.returncode}):\n"
            f"{blocks[min(reached, len(blocks) - 1)].script}\n--- stdout ---\n{done.stdout[-3000:]}"
            f"\n--- stderr ---\n{done.stderr[-3000:]}"
        )
    return blocks


def json_values(text: str) -> list[Any]:
    """The JSON values printed in ``text`` in order (lines that are not JSON are skipped)."""
    decoder = json.JSONDecoder()
    values, position = [], 0
    while position < len(text):
        if text[position].isspace():
            position += 1
            continue
        try:
            value, position = decoder.raw_decode(text, position)
            values.append(value)
        except json.JSONDecodeError:
            newline = text.find("\n", position)
            position = len(text) if newline < 0 else newline + 1
    return values


def shape_problems(shown: Any, actual: Any, where: str = "$") -> list[str]:
    """What of ``shown`` the real output does not have: a key, or a value of another type."""
    if isinstance(shown, dict):
        if not isinstance(actual, dict):
            return [f"{where}: shown an object, got {actual!r}"]
        return [
            problem
            for key, value in shown.items()
            for problem in (
                shape_problems(value, actual[key], f"{where}.{key}")
                if key in actual
                else [f"{where}: no key {key!r} in {sorted(actual)}"]
            )
        ]
    if isinstance(shown, list):
        if not isinstance(actual, list):
            return [f"{where}: shown a list, got {actual!r}"]
        if shown and not actual:
            return [f"{where}: shown {len(shown)} items, got none"]
        return [p for s, a in zip(shown, actual, strict=False) for p in shape_problems(s, a, f"{where}[]")]
    numbers = (int, float)
    same = type(shown) is type(actual) or (
        isinstance(shown, numbers) and isinstance(actual, numbers) and not isinstance(actual, bool)
    )
    return [] if same else [f"{where}: shown {shown!r}, got {actual!r}"]
