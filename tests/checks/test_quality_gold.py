"""The eval checks on what teams keep: gold sets without results, sets split by workflow,
configured paths that match nothing, and applications with no model calls at all."""

from __future__ import annotations

import json

from readiness.checks.infrastructure.telemetry import cost_projection
from readiness.checks.quality.evals import (
    accuracy_by_category,
    accuracy_meets_threshold,
    accuracy_thresholds,
    eval_edge_cases,
    eval_sample_size,
)

from readiness.model import Status
from tests.checks.test_quality import PROMPTFOO, csv_rows, run
from tests.conftest import MakeProject

APP = {"app/extract.py": "from openai import OpenAI\n\nclient = OpenAI()\n"}


def gold_jsonl(n: int, *, workflows: tuple[str, ...] = (), edge_every: int = 0,
               distinct: int | None = None, tag: str = "edge_case:ocr") -> str:
    """``n`` labelled rows (inputs repeat after ``distinct``), split over ``workflows``."""
    lines = []
    for i in range(n):
        row: dict[str, object] = {"input": f"Invoice text {i % (distinct or n)}",
                                  "expected_output": f"total {i}",
                                  "category": "scanned" if i % 3 else "digital"}
        if workflows:
            row["workflow"] = workflows[i % len(workflows)]
        if edge_every and i % edge_every == 0:
            row["metadata"] = {"tags": [tag]}
        lines.append(json.dumps(row))
    return "\n".join(lines) + "\n"


def test_gold_set_counts_for_sample_size_and_cites_the_file(make_project: MakeProject) -> None:
    root = make_project({**APP, "evals/gold.jsonl": gold_jsonl(620)})
    finding = run(eval_sample_size, root)
    assert finding.status is Status.PASS
    assert finding.message.startswith("enough examples: evals/gold.jsonl 620/500 distinct "
                                      "inputs in gold set evals/gold.jsonl;")
    assert "accuracy cannot be judged" in finding.message
    assert [(e.path, e.note) for e in finding.evidence] == [
        ("evals/gold.jsonl", "gold set, 620 labelled rows")]


def test_large_set_small_per_workflow_fails_and_category_never_splits(
        make_project: MakeProject) -> None:
    split = make_project({**APP, "evals/gold.jsonl": gold_jsonl(620, workflows=("classify",
                                                                                "summarise"))})
    finding = run(eval_sample_size, split)
    assert finding.status is Status.FAIL
    assert finding.message.startswith("too few examples: classify 310/500, summarise 310/500")
    # The same rows with only a category field (scanned/digital): one set of 620.
    one = make_project({**APP, "evals/gold.jsonl": gold_jsonl(620)})
    assert "digital" not in run(eval_sample_size, one).message


def test_duplicates_do_not_inflate_the_count(make_project: MakeProject) -> None:
    root = make_project({**APP, "datasets/gold.jsonl": gold_jsonl(620, distinct=450)})
    finding = run(eval_sample_size, root)
    assert finding.status is Status.FAIL
    assert finding.message.startswith("too few examples: datasets/gold.jsonl 450/500")
    assert "duplicates inflate the rows: datasets/gold.jsonl 620 rows hold 450 distinct " \
           "inputs" in finding.message


def test_gold_edge_cases_from_nested_tags_and_whole_tokens(make_project: MakeProject) -> None:
    tagged = make_project({**APP, "golden/set.jsonl": gold_jsonl(600, edge_every=10)})
    finding = run(eval_edge_cases, tagged)
    assert (finding.status, finding.message) == (
        Status.PASS, "edge cases present: golden/set.jsonl 60 tagged edge_case/edge-case/edge "
                     "in gold set golden/set.jsonl")
    router = make_project({**APP, "golden/set.jsonl": gold_jsonl(600, edge_every=10,
                                                                  tag="edge-router")})
    finding = run(eval_edge_cases, router)
    assert finding.status is Status.FAIL
    assert finding.message.startswith("no edge cases: golden/set.jsonl 0 tagged")


def test_accuracy_checks_say_accuracy_cannot_be_judged_from_a_gold_set(
        make_project: MakeProject) -> None:
    root = make_project({**APP, "evals/gold.jsonl": gold_jsonl(100)})
    for check in (accuracy_meets_threshold, accuracy_by_category):
        finding = run(check, root)
        assert finding.status is Status.FAIL
        assert finding.message == ("no eval results: gold set evals/gold.jsonl (100 labelled "
                                   "inputs) has no outcomes, so accuracy cannot be judged: run "
                                   "the set and keep the results")
        assert [e.path for e in finding.evidence] == ["evals/gold.jsonl"]


def test_results_win_over_gold_sets(make_project: MakeProject) -> None:
    root = make_project({**APP, "evals/gold.jsonl": gold_jsonl(620),
                         "evals/output/results.json": PROMPTFOO})
    finding = run(eval_sample_size, root)
    assert (finding.status, finding.message) == (
        Status.FAIL, "too few examples: discovered results 10/500")


def test_discovered_results_split_by_their_workflow_column(make_project: MakeProject) -> None:
    rows = ["id,workflow,category,correct"] + [
        f"{i},{'triage' if i % 2 else 'reply'},general,yes" for i in range(640)]
    root = make_project({**APP, "evals/results.csv": "\n".join(rows) + "\n"})
    finding = run(eval_sample_size, root)
    assert (finding.status, finding.message) == (
        Status.FAIL, "too few examples: reply 320/500, triage 320/500")
    single = make_project({**APP, "evals/results.csv": csv_rows([("general", 640, 600, "")])})
    assert run(eval_sample_size, single).message == "enough examples: discovered results 640/500"


CONFIGURED = """\
version: 1
workflows:
  - name: contracts
    min_accuracy: 0.9
    agreed_with: [legal-ops]
    evals:
      - path: {path}
"""


def test_configured_gold_set_counts_for_its_workflow(make_project: MakeProject) -> None:
    root = make_project({**APP, "readiness.yaml": CONFIGURED.format(path="qa/contracts.jsonl"),
                         "qa/contracts.jsonl": gold_jsonl(520, edge_every=13)})
    finding = run(eval_sample_size, root)
    assert finding.status is Status.PASS
    assert finding.message.startswith("enough examples: contracts 520/500 distinct inputs")
    assert [(e.path, e.note) for e in finding.evidence] == [
        ("qa/contracts.jsonl", "gold set, 520 labelled rows, named by workflow contracts in "
                               "readiness.yaml")]
    assert run(eval_edge_cases, root).message.startswith("edge cases present: contracts 40")


def test_configured_eval_path_matching_nothing_names_the_config_line(
        make_project: MakeProject) -> None:
    root = make_project({**APP,
                         "readiness.yaml": CONFIGURED.format(path="evals/contract.csv"),
                         "evals/contracts.csv": csv_rows([("general", 600, 590, "")])})
    for check in (eval_sample_size, eval_edge_cases, accuracy_meets_threshold,
                  accuracy_by_category):
        finding = run(check, root)
        assert finding.status is Status.FAIL
        assert finding.message.startswith("eval path 'evals/contract.csv' of workflow "
                                          "contracts matches no file in the repository")
        assert [str(e) for e in finding.evidence] == ["readiness.yaml:7"]
    good = make_project({**APP,
                         "readiness.yaml": CONFIGURED.format(path="evals/contracts.csv"),
                         "evals/contracts.csv": csv_rows([("general", 600, 590, "")])})
    assert run(eval_sample_size, good).message == "enough examples: contracts 600/500"


def test_telemetry_glob_matching_nothing_names_the_config_line(
        make_project: MakeProject) -> None:
    config = "version: 1\nusage:\n  telemetry: [logs/pilot-*.jsonl]\n"
    root = make_project({**APP, "readiness.yaml": config, "logs/other.txt": "x\n"})
    finding = run(cost_projection, root)
    assert finding.status is Status.FAIL
    assert finding.message == ("telemetry cannot be read: readiness.yaml:3: usage.telemetry "
                               "'logs/pilot-*.jsonl' matches no file in the repository")
    assert [str(e) for e in finding.evidence] == ["readiness.yaml:3"]
    unset = make_project({**APP, "readiness.yaml": "version: 1\n"})
    assert run(cost_projection, unset).message.startswith("no pilot telemetry configured")


def test_eval_checks_not_applicable_without_model_calls(make_project: MakeProject) -> None:
    plain = {"app/report.py": "import csv\n\ndef total(rows):\n    return sum(rows)\n"}
    root = make_project(plain)
    for check in (accuracy_thresholds, eval_sample_size, eval_edge_cases,
                  accuracy_meets_threshold, accuracy_by_category):
        finding = run(check, root)
        assert finding.status is Status.NOT_APPLICABLE, check
        assert finding.message.startswith("no LLM usage found")
    # Must not: eval results kept without a detected SDK (a model behind plain HTTP) are judged.
    with_results = make_project({**plain, "evals/output/results.json": PROMPTFOO})
    assert run(eval_sample_size, with_results).status is Status.FAIL
    with_gold = make_project({**plain, "evals/gold.jsonl": gold_jsonl(40)})
    assert run(eval_sample_size, with_gold).status is Status.NOT_APPLICABLE
    # ... and a project that lists workflows is judged whatever its code looks like.
    configured = make_project({**plain, "readiness.yaml": CONFIGURED.format(path="e.csv")})
    assert run(eval_sample_size, configured).status is Status.FAIL


def test_result_tags_match_whole_tokens(make_project: MakeProject) -> None:
    sliced = make_project({**APP, "evals/results.csv": csv_rows(
        [("general", 500, 480, ""), ("scans", 40, 30, "edge_case:ocr")])})
    finding = run(eval_edge_cases, sliced)
    assert (finding.status, finding.message) == (
        Status.PASS, "edge cases present: discovered results 40 tagged edge_case/edge-case/edge")
    product = make_project({**APP, "evals/results.csv": csv_rows(
        [("general", 500, 480, ""), ("routers", 40, 30, "edge-router")])})
    finding = run(eval_edge_cases, product)
    assert finding.status is Status.FAIL
    assert finding.message == "no edge cases: discovered results 0 tagged edge_case/edge-case/edge"
