"""promptfoo outputs, read from real files written by promptfoo 0.121.20 (see
tests/data/evals/promptfoo/README.md): 10 tests over invoice/contract/receipt, one erroring."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from readiness.errors import InputError
from readiness.evals import EvalFormat, Outcome, detect_format, read_eval_file, summarise
from readiness.evals.record import FieldMapping

DATA = Path(__file__).parent / "data" / "evals" / "promptfoo"

# (n, passed, errors, accuracy, wilson_low, wilson_high)
OVERALL = (10, 7, 1, 0.7, 0.3968, 0.8922)
BY_CATEGORY = {
    "contract": (3, 1, 1, 0.3333, 0.0615, 0.7923),
    "invoice": (4, 3, 0, 0.75, 0.3006, 0.9544),
    "receipt": (2, 2, 0, 1.0, 0.3424, 1.0),
}


def _row(entry: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(entry[k] for k in ("n", "passed", "errors", "accuracy", "wilson_low",
                                    "wilson_high"))


def _table(path: Path, **kwargs: Any) -> tuple[tuple[Any, ...], dict[str, tuple[Any, ...]]]:
    data = summarise(read_eval_file(path, display=path.name, **kwargs)).to_json()
    return _row(data["overall"]), {k: _row(v) for k, v in data["by_category"].items()}


@pytest.mark.parametrize("name", ["results.json", "results.jsonl"])
def test_json_and_jsonl_outputs_give_categories_from_metadata_and_vars(name: str) -> None:
    overall, by_category = _table(DATA / name)
    assert overall == OVERALL
    assert by_category == BY_CATEGORY


def test_formats_are_detected_from_content() -> None:
    assert detect_format(DATA / "results.json") is EvalFormat.PROMPTFOO_JSON
    assert detect_format(DATA / "results.jsonl") is EvalFormat.PROMPTFOO_JSONL
    assert detect_format(DATA / "results.csv") is EvalFormat.PROMPTFOO_CSV


def test_the_provider_error_is_an_error_not_a_failure() -> None:
    records = list(read_eval_file(DATA / "results.json", display="results.json"))
    errored = [r for r in records if r.outcome is Outcome.ERROR]
    assert [(r.example_id, r.category, r.source) for r in errored] == [
        ("test-6", "contract", "results.json#test-6")]
    failed = sorted(r.example_id for r in records if r.outcome is Outcome.FAIL)
    assert failed == ["test-3", "test-5"]


def test_tags_expected_actual_and_timestamp_are_kept() -> None:
    records = {r.example_id: r for r in read_eval_file(DATA / "results.json",
                                                        display="results.json")}
    scan = records["test-2"]
    assert scan.tags == ("edge_case", "scan")
    assert (scan.expected, scan.actual, scan.score) == ("300", "300", 1.0)
    assert scan.timestamp is not None and scan.timestamp.isoformat().startswith("2026-")
    summary = summarise(records.values())
    assert summary.tags == {"edge_case": 3, "scan": 1}
    assert summary.uncategorised == 1


def test_jsonl_records_point_at_their_line() -> None:
    records = list(read_eval_file(DATA / "results.jsonl", display="out/results.jsonl"))
    assert [r.source for r in records[:2]] == ["out/results.jsonl:1", "out/results.jsonl:2"]


def test_csv_has_only_var_categories_but_the_same_outcomes() -> None:
    # promptfoo's CSV export carries vars, not test metadata: only "receipt" is a var.
    overall, by_category = _table(DATA / "results.csv")
    assert overall == OVERALL
    assert by_category == {"receipt": (2, 2, 0, 1.0, 0.3424, 1.0)}


def test_csv_with_two_providers_gives_one_record_per_provider_column() -> None:
    path = DATA / "two-providers" / "results.csv"
    records = list(read_eval_file(path, display="r.csv"))
    assert [(r.example_id, r.outcome.value, r.actual) for r in records] == [
        ("test-0", "pass", "100"), ("test-0:prompt-1", "pass", "100"),
        ("test-1", "pass", "200"), ("test-1:prompt-1", "fail", "wrong"),
        ("test-2", "error", ""), ("test-2:prompt-1", "error", ""),
    ]
    overall, by_category = _table(path)
    assert overall == (6, 3, 2, 0.5, 0.1876, 0.8124)
    assert by_category == {"contract": (2, 0, 2, 0.0, 0.0, 0.6576),
                           "invoice": (4, 3, 0, 0.75, 0.3006, 0.9544)}


def test_two_provider_json_matches_its_csv() -> None:
    path = DATA / "two-providers" / "results.json"
    assert _table(path) == _table(DATA / "two-providers" / "results.csv")


def test_mapping_can_name_another_metadata_key(tmp_path: Path) -> None:
    doc = json.loads((DATA / "results.json").read_text())
    for row in doc["results"]["results"]:
        meta = row["testCase"].get("metadata", {})
        row["metadata"] = {"doc_type": meta.get("category", "other")}
        row["testCase"]["metadata"] = {}
        row["vars"].pop("category", None)
    path = tmp_path / "renamed.json"
    path.write_text(json.dumps(doc))
    _, by_category = _table(path, mapping=FieldMapping(category="doc_type"))
    assert by_category["other"][0] == 3
    assert by_category["invoice"] == BY_CATEGORY["invoice"]


def test_older_outputs_without_failure_reason_still_tell_errors(tmp_path: Path) -> None:
    doc = json.loads((DATA / "results.json").read_text())
    for row in doc["results"]["results"]:
        del row["failureReason"]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(doc))
    overall, _ = _table(path)
    assert overall == OVERALL


def test_a_result_without_success_is_an_input_error(tmp_path: Path) -> None:
    doc = json.loads((DATA / "results.json").read_text())
    doc["results"]["results"][3]["success"] = "yes"
    del doc["results"]["results"][3]["failureReason"]
    path = tmp_path / "r.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError) as caught:
        list(read_eval_file(path, display="r.json"))
    assert str(caught.value) == (
        "r.json: results.results[3]: promptfoo result without a boolean 'success'")


def test_a_jsonl_line_that_is_not_a_result_names_the_line(tmp_path: Path) -> None:
    lines = (DATA / "results.jsonl").read_text().splitlines()
    lines[3] = json.dumps({"note": "hand-edited"})
    path = tmp_path / "r.jsonl"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as caught:
        list(read_eval_file(path, display="r.jsonl"))
    assert str(caught.value) == (
        "r.jsonl:4: expected a promptfoo result object (success, testIdx, ...)")


def test_an_unknown_csv_status_names_the_row(tmp_path: Path) -> None:
    text = (DATA / "results.csv").read_text().replace(",FAIL,", ",MAYBE,", 1)
    path = tmp_path / "r.csv"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        list(read_eval_file(path, display="r.csv"))
    assert str(caught.value) == "r.csv:5: row 4: Status 'MAYBE' is not PASS, FAIL or ERROR"


def test_a_mangled_csv_header(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("Grader Reason,Status\nok,PASS\n")
    with pytest.raises(InputError) as caught:
        list(read_eval_file(path, display="r.csv"))
    assert str(caught.value) == ("r.csv:1: promptfoo CSV header without an output column "
                                 "before each Status and a Score after it")
