"""DeepEval, lm-evaluation-harness and OpenAI evals files (see the README in each folder of
tests/data/evals for how they were produced)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from readiness.errors import InputError
from readiness.evals import EvalFormat, Outcome, detect_format, read_eval_file, summarise
from readiness.evals.record import FieldMapping

DATA = Path(__file__).parent / "data" / "evals"
DEEPEVAL_RUN = DATA / "deepeval" / "results" / "test_run_20261124_234031.json"
DEEPEVAL_LATEST = DATA / "deepeval" / ".deepeval" / ".latest_test_run.json"
LM_OUT = DATA / "lm_eval" / "out"
LM_RESULTS = next(LM_OUT.glob("results_*.json"))
LM_QA = next(LM_OUT.glob("samples_readiness_qa_*.jsonl"))
LM_MC = next(LM_OUT.glob("samples_readiness_mc_*.jsonl"))
OPENAI_LOG = DATA / "openai_evals" / "match-log.jsonl"


def _row(entry: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(entry[k] for k in ("n", "passed", "errors", "accuracy", "wilson_low",
                                    "wilson_high"))


def _table(path: Path, **kwargs: Any) -> tuple[tuple[Any, ...], dict[str, tuple[Any, ...]]]:
    data = summarise(read_eval_file(path, display=path.name, **kwargs)).to_json()
    return _row(data["overall"]), {k: _row(v) for k, v in data["by_category"].items()}


# ---- DeepEval 4.3.1 -------------------------------------------------------------------

DEEPEVAL_TABLE = (
    (5, 3, 1, 0.6, 0.2307, 0.8824),
    {"contract": (2, 1, 1, 0.5, 0.0945, 0.9055),
     "invoice": (2, 1, 0, 0.5, 0.0945, 0.9055),
     "receipt": (1, 1, 0, 1.0, 0.2065, 1.0)},
)


@pytest.mark.parametrize("path", [DEEPEVAL_RUN, DEEPEVAL_LATEST], ids=["test_run", "latest"])
def test_deepeval_test_runs(path: Path) -> None:
    assert detect_format(path) is EvalFormat.DEEPEVAL
    assert _table(path) == DEEPEVAL_TABLE


def test_deepeval_metric_error_is_an_error_and_tags_are_kept() -> None:
    records = {r.example_id: r for r in read_eval_file(DEEPEVAL_RUN, display=DEEPEVAL_RUN.name)}
    assert records["con-2"].outcome is Outcome.ERROR
    assert records["inv-2"].outcome is Outcome.FAIL
    assert (records["inv-2"].tags, records["inv-2"].score) == (("edge_case",), 0.0)
    assert (records["inv-2"].expected, records["inv-2"].actual) == ("200", "199")
    # the time stamp comes from the file name DeepEval gives each run
    assert records["inv-1"].timestamp is not None
    assert records["inv-1"].timestamp.isoformat() == "2026-11-24T23:40:31+00:00"


def test_deepeval_flaky_metrics_do_not_decide(tmp_path: Path) -> None:
    doc = json.loads(DEEPEVAL_RUN.read_text())
    case = doc["testCases"][3]  # con-2, whose only metric errored
    case["metricsData"][0]["flaky"] = True
    case["metricsData"].append({"name": "Other", "success": True, "score": 0.9})
    case["success"] = True
    path = tmp_path / "run.json"
    path.write_text(json.dumps(doc))
    records = {r.example_id: r for r in read_eval_file(path, display="run.json")}
    assert (records["con-2"].outcome, records["con-2"].score) == (Outcome.PASS, 0.9)


# ---- lm-evaluation-harness 0.4.13 ------------------------------------------------------

def test_lm_eval_samples_use_the_doc_category() -> None:
    assert detect_format(LM_QA) is EvalFormat.LM_EVAL_SAMPLES
    assert _table(LM_QA) == (
        (6, 4, 0, 0.6667, 0.3, 0.9032),
        {"contract": (2, 1, 0, 0.5, 0.0945, 0.9055),
         "invoice": (3, 2, 0, 0.6667, 0.2077, 0.9385),
         "receipt": (1, 1, 0, 1.0, 0.2065, 1.0)},
    )
    assert _table(LM_MC) == (
        (4, 3, 0, 0.75, 0.3006, 0.9544),
        {"contract": (1, 0, 0, 0.0, 0.0, 0.7935),
         "invoice": (2, 2, 0, 1.0, 0.3424, 1.0),
         "receipt": (1, 1, 0, 1.0, 0.2065, 1.0)},
    )


def test_lm_eval_sample_records() -> None:
    display = f"out/{LM_QA.name}"
    records = list(read_eval_file(LM_QA, display=display))
    third = records[2]
    assert (third.example_id, third.source) == ("readiness_qa#2", f"{display}:3")
    assert (third.expected, third.actual, third.outcome) == ("75", "57", Outcome.FAIL)
    assert third.timestamp is not None and third.timestamp.year == 2026


def test_lm_eval_samples_fall_back_to_the_task_as_category(tmp_path: Path) -> None:
    path = tmp_path / LM_QA.name
    lines = [json.loads(line) for line in LM_QA.read_text().splitlines()]
    for line in lines:
        del line["doc"]["category"]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    _, by_category = _table(path)
    assert list(by_category) == ["readiness_qa"]


def test_lm_eval_results_rebuild_counts_per_task() -> None:
    assert detect_format(LM_RESULTS) is EvalFormat.LM_EVAL_RESULTS
    assert _table(LM_RESULTS) == (
        (10, 7, 0, 0.7, 0.3968, 0.8922),
        {"readiness_mc": (4, 3, 0, 0.75, 0.3006, 0.9544),
         "readiness_qa": (6, 4, 0, 0.6667, 0.3, 0.9032)},
    )


def test_lm_eval_results_refuse_non_binary_metrics(tmp_path: Path) -> None:
    doc = json.loads(LM_RESULTS.read_text())
    doc["results"]["readiness_qa"]["exact_match,none"] = 0.61  # not k/6 for any k
    path = tmp_path / "results_x.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError, match="is not a pass/fail count"):
        list(read_eval_file(path, display="results_x.json"))


def test_lm_eval_several_filters_read_only_one(tmp_path: Path) -> None:
    lines = [json.loads(line) for line in LM_QA.read_text().splitlines()]
    flexible = [dict(line, filter="flexible", exact_match=1.0) for line in lines]
    path = tmp_path / "samples_readiness_qa_2026-01-01T00-00-00.000001.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines + flexible))
    assert _table(path)[0][:3] == (6, 4, 0)  # the first filter in the file
    chosen = FieldMapping(score="exact_match,flexible")
    assert _table(path, mapping=chosen)[0][:3] == (6, 6, 0)


# ---- OpenAI evals ----------------------------------------------------------------------

def test_openai_evals_match_events() -> None:
    assert detect_format(OPENAI_LOG) is EvalFormat.OPENAI_EVALS
    records = list(read_eval_file(OPENAI_LOG, display="log.jsonl"))
    # events are flushed in completion order, after the final report line
    assert [(r.example_id, r.outcome.value, r.source) for r in records] == [
        ("readiness-match.dev.3", "pass", "log.jsonl:3"),
        ("readiness-match.dev.1", "fail", "log.jsonl:4"),
        ("readiness-match.dev.4", "fail", "log.jsonl:5"),
        ("readiness-match.dev.2", "pass", "log.jsonl:6"),
        ("readiness-match.dev.0", "pass", "log.jsonl:7"),
    ]
    assert (records[1].expected, records[1].actual) == ("Paris", "Lyon")
    assert records[0].timestamp is not None and records[0].timestamp.year == 2026
    overall, by_category = _table(OPENAI_LOG)
    assert overall == (5, 3, 0, 0.6, 0.2307, 0.8824)
    assert by_category == {}


def test_openai_evals_error_events_and_categories_from_data(tmp_path: Path) -> None:
    lines = OPENAI_LOG.read_text().splitlines()
    events = [json.loads(line) for line in lines[2:]]
    for event in events:
        event["data"]["category"] = "geo" if "Paris" in str(event["data"]) else "other"
    error = dict(events[0], event_id=9, sample_id="readiness-match.dev.5", type="error",
                 data={"type": "Timeout", "message": "model timed out"})
    path = tmp_path / "log.jsonl"
    path.write_text("\n".join(lines[:2] + [json.dumps(e) for e in events + [error]]) + "\n")
    overall, by_category = _table(path)
    assert overall[:3] == (6, 3, 1)
    assert by_category["geo"][:3] == (2, 1, 0)


def test_openai_evals_log_without_match_events(tmp_path: Path) -> None:
    lines = [line for line in OPENAI_LOG.read_text().splitlines() if '"match"' not in line]
    path = tmp_path / "log.jsonl"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match="openai-evals file without a single eval result"):
        list(read_eval_file(path, display="log.jsonl"))
