"""Per corpus app: expected production generation calls found, calls judged and inventoried,
must-not sites judged, and the four per-call check statuses (the issue-14 table).

Usage::

    python scripts/corpus_calls.py

Needs the corpus (``python scripts/corpus.py fetch``); reads ``tests/corpus/expect``.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from click.testing import CliRunner

from readiness.cli import main as cli
from readiness.llmcalls.index import build_index
from readiness.project import Project

ROOT = Path(__file__).resolve().parent.parent
CHECKS = ("llm-timeouts", "llm-retries", "llm-error-handling", "llm-output-validation")


def _sites(entries: list[dict[str, str]]) -> set[tuple[str, int]]:
    return {(e["at"].rpartition(":")[0], int(e["at"].rpartition(":")[2])) for e in entries}


def main() -> None:
    corpus = Path.home() / ".cache" / "readiness" / "corpus"
    print("| app | expected found | judged | inventoried | must-not judged | "
          "timeouts / retries / errors / validation |")
    print("|---|---|---|---|---|---|")
    for path in sorted((ROOT / "tests" / "corpus" / "expect").glob("*.yaml")):
        expect = yaml.safe_load(path.read_text(encoding="utf-8"))
        app = corpus / expect["app"]
        index = build_index(Project(app, use_git=False), jobs=1)
        judged = {(c.path, c.line) for c in index.calls
                  if c.production and c.purpose == "generation"}
        wanted = _sites(expect["generation_calls"]["sites"])
        banned = _sites(expect.get("must_not_count") or [])
        result = CliRunner().invoke(cli, [
            "check", str(app), "-f", "json", "--no-cache", "--date", "2026-11-24",
            "--fail-on", "never", "--only", ",".join(CHECKS)])
        status = {r["name"]: r["status"] for r in json.loads(result.stdout)["results"]}
        print(f"| {expect['app']} | {len(wanted & judged)}/{len(wanted)} | {len(judged)} | "
              f"{len(index.calls)} | {len(banned & judged)} | "
              f"{' / '.join(status[c] for c in CHECKS)} |")


if __name__ == "__main__":
    main()
