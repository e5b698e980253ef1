"""The Node.js tools in tests/reader/ (installed by `make test`): Ace by DAISY and foliate-js."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

READER = Path(__file__).resolve().parent / "reader"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _require(tool: Path) -> None:
    assert tool.exists(), f"{tool} is missing: run `make test`, which runs npm ci in tests/reader"


def ace_report(epub: Path, out: Path) -> dict:
    """Ace's JSON report on ``epub`` (Ace runs the axe rules in Chromium through puppeteer)."""
    ace = READER / "node_modules" / ".bin" / "ace-puppeteer"
    _require(ace)
    env = {**os.environ, "PUPPETEER_EXECUTABLE_PATH": CHROMIUM}
    result = subprocess.run(
        [str(ace), "--silent", "--force", "-o", str(out), str(epub)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert (out / "report.json").exists(), result.stdout + result.stderr
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


def violations(report: dict, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """Every failed assertion of the given impacts: "impact rule-id: where"."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            test, result = node.get("earl:test"), node.get("earl:result")
            if test and result and result.get("earl:outcome") == "fail" and test.get("earl:impact") in impacts:
                found.append(
                    f"{test['earl:impact']} {test.get('dct:title')}: {result.get('dct:description', '')[:200]}"
                    f" ({node.get('earl:testSubject', {}).get('url', '')})"
                )
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(report.get("assertions", []))
    return found


def read_in_foliate(epub: Path, shots: Path) -> dict:
    """Open ``epub`` in foliate-js in headless Chromium; what it rendered, and screenshots in ``shots``."""
    _require(READER / "node_modules" / "foliate-js" / "view.js")
    shots.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        ["node", str(READER / "read.mjs"), str(epub), str(shots)],
        capture_output=True,
        text=True,
        env={**os.environ, "CHROMIUM": CHROMIUM},
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)
