"""Generic CSV, JSONL and JSON results read through a field mapping (fields: in readiness.yaml)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from readiness.errors import InputError
from readiness.evals import EvalFormat, Outcome, detect_format, read_eval_file, summarise
from readiness.evals.record import FieldMapping

DATA = Path(__file__).parent / "data" / "evals" / "generic"
CLIENT = FieldMapping(id="doc_id", category="doc_type", correct="is_correct")


def _row(entry: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(entry[k] for k in ("n", "passed", "errors", "accuracy", "wilson_low",
                                    "wilson_high"))


def _table(path: Path, **kwargs: Any) -> tuple[tuple[Any, ...], dict[str, tuple[Any, ...]]]:
    data = summarise(read_eval_file(path, display=path.name, **kwargs)).to_json()
    return _row(data["overall"]), {k: _row(v) for k, v in data["by_category"].items()}


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_with_mapping_and_every_bool_spelling() -> None:
    path = DATA / "client.csv"
    assert detect_format(path) is EvalFormat.GENERIC_CSV
    assert _table(path, mapping=CLIENT) == (
        (12, 7, 1, 0.5833, 0.3195, 0.8067),
        {"amendment": (3, 1, 1, 0.3333, 0.0615, 0.7923),
         "msa": (5, 3, 0, 0.6, 0.2307, 0.8824),
         "nda": (4, 3, 0, 0.75, 0.3006, 0.9544)},
    )
    records = list(read_eval_file(path, display="evals/client.csv", mapping=CLIENT))
    assert (records[0].example_id, records[0].source) == ("C-001", "evals/client.csv:2")
    assert [r.outcome.value for r in records[:4]] == ["pass", "fail", "pass", "fail"]


def test_score_with_threshold_and_nan_counts_as_error() -> None:
    mapping = FieldMapping(id="id", category="category", score="score", threshold=0.8,
                           tags="tags")
    path = DATA / "scored.jsonl"
    assert detect_format(path) is EvalFormat.GENERIC_JSONL
    records = list(read_eval_file(path, display="scored.jsonl", mapping=mapping))
    assert [(r.example_id, r.outcome.value, r.score) for r in records] == [
        ("a1", "pass", 0.95), ("a2", "fail", 0.4), ("a3", "pass", 0.8),
        ("a4", "error", None), ("a5", "error", None), ("a6", "pass", 1.0),
    ]
    assert records[0].tags == ("edge_case", "scan")
    assert records[1].tags == ("edge_case",)
    summary = summarise(records)
    assert summary.tags == {"edge_case": 2, "scan": 1}
    assert summary.overall.to_json() == {"n": 6, "passed": 3, "errors": 2, "accuracy": 0.5,
                                         "wilson_low": 0.1876, "wilson_high": 0.8124}


def test_json_document_with_nested_fields_and_workflows() -> None:
    mapping = FieldMapping(id="case.id", category="case.kind", correct="verdict.ok",
                           workflow="team")
    path = DATA / "nested.json"
    assert detect_format(path) is EvalFormat.GENERIC_JSON
    summary = summarise(read_eval_file(path, display="nested.json", mapping=mapping,
                                       workflow="fallback"))
    assert summary.to_json()["by_workflow"] == {
        "fallback": {"by_category": {"nda": {"n": 1, "passed": 0, "errors": 0,
                                             "accuracy": 0.0, "wilson_low": 0.0,
                                             "wilson_high": 0.7935}},
                     "overall": {"n": 1, "passed": 0, "errors": 0, "accuracy": 0.0,
                                 "wilson_low": 0.0, "wilson_high": 0.7935}},
        "legal": {"by_category": {"msa": {"n": 2, "passed": 2, "errors": 0, "accuracy": 1.0,
                                          "wilson_low": 0.3424, "wilson_high": 1.0}},
                  "overall": {"n": 2, "passed": 2, "errors": 0, "accuracy": 1.0,
                              "wilson_low": 0.3424, "wilson_high": 1.0}},
    }


def test_mapping_is_inferred_from_conventional_column_names(tmp_path: Path) -> None:
    path = _write(tmp_path, "r.csv", "id,category,passed\n1,a,yes\n2,a,no\n3,b,TRUE\n")
    overall, by_category = _table(path)
    assert overall[:3] == (3, 2, 0)
    assert set(by_category) == {"a", "b"}


def test_semicolon_and_tab_separated_files(tmp_path: Path) -> None:
    semi = _write(tmp_path, "r.csv", "doc_id;doc_type;is_correct\n1;nda;1\n2;nda;0\n")
    tab = _write(tmp_path, "r.tsv", "doc_id\tdoc_type\tis_correct\n1\tnda\t1\n2\tnda\t0\n")
    for path in (semi, tab):
        assert _table(path, mapping=CLIENT)[1] == {"nda": (2, 1, 0, 0.5, 0.0945, 0.9055)}


def test_quoted_cells_with_commas_and_newlines(tmp_path: Path) -> None:
    text = 'doc_id,doc_type,is_correct,output\n1,nda,yes,"a, b\nc"\n2,nda,no,plain\n'
    records = list(read_eval_file(_write(tmp_path, "r.csv", text), display="r.csv",
                                  mapping=CLIENT))
    assert records[0].actual == "a, b\nc"
    assert [r.source for r in records] == ["r.csv:3", "r.csv:4"]


@pytest.mark.parametrize(("text", "mapping", "message"), [
    ("doc_id,doc_type,is_correct\n1,nda,yes\n2,nda,maybe\n", CLIENT,
     "r.csv:3: row 2: 'is_correct' value 'maybe' is not true/false, 1/0, yes/no, "
     "pass/fail or correct/incorrect"),
    ("doc_id,doc_type,is_correct\n1,nda,yes\n2,nda\n", CLIENT,
     "r.csv:3: row 2 has 2 cells but the header has 3"),
    ("doc_id,doc_type,is_correct\n1,nda,yes\n2,nda,yes,extra\n", CLIENT,
     "r.csv:3: row 2 has 4 cells but the header has 3"),
    ("doc_id,doc_type,is_correct\n1,nda,\n", CLIENT,
     "r.csv:2: row 1: no value in correctness field 'is_correct'"),
    ("doc_id,type,is_correct\n1,nda,yes\n", CLIENT,
     "r.csv:1: column 'doc_type' (fields.category) is not in the header; columns: "
     "doc_id, type, is_correct"),
    ("doc_id,doc_type,is_correct,is_correct\n1,nda,yes,no\n", CLIENT,
     "r.csv:1: column 'is_correct' (fields.correct) appears more than once; columns: "
     "doc_id, doc_type, is_correct, is_correct"),
    ("id,score\n1,0.5\n", FieldMapping(score="score"),
     "r.csv: field mapping gives score 'score' but no threshold: set threshold: ... in "
     "readiness.yaml"),
    ("id,score\n1,high\n", FieldMapping(score="score", threshold=0.5),
     "r.csv:2: row 1: score 'high' is not a number"),
    ("id,correct,passed\n1,yes,yes\n", None,
     "r.csv:1: generic results with several outcome columns (correct, passed): add a field "
     "mapping in readiness.yaml (fields: {id: ..., category: ..., correct: ...})"),
    ("question,answer\nwhat?,that\n", None,
     "r.csv:1: generic data without a pass/fail column: add a field mapping in "
     "readiness.yaml (fields: {id: ..., category: ..., correct: ...})"),
    ('doc_id,doc_type,is_correct\n1,"nda,yes\n', CLIENT,
     "r.csv:2: malformed CSV (unexpected end of data)"),
    ("id,category\n", FieldMapping(id="id"),
     "r.csv: field mapping names neither 'fields.correct' nor 'fields.score': cannot tell which "
     "examples passed"),
])
def test_malformed_generic_csv(tmp_path: Path, text: str, mapping: FieldMapping | None,
                               message: str) -> None:
    path = _write(tmp_path, "r.csv", text)
    with pytest.raises(InputError) as caught:
        list(read_eval_file(path, display="r.csv", mapping=mapping))
    assert str(caught.value) == message


def test_a_header_without_rows_has_no_results(tmp_path: Path) -> None:
    path = _write(tmp_path, "r.csv", "doc_id,doc_type,is_correct\n")
    with pytest.raises(InputError) as caught:
        list(read_eval_file(path, display="r.csv", mapping=CLIENT))
    assert str(caught.value) == "r.csv: generic-csv file without a single eval result"


def test_explicit_error_values_count_as_errors(tmp_path: Path) -> None:
    path = _write(tmp_path, "r.jsonl", '{"id": 1, "correct": "error"}\n{"id": 2, "correct": 1}\n')
    records = list(read_eval_file(path, display="r.jsonl"))
    assert [r.outcome for r in records] == [Outcome.ERROR, Outcome.PASS]


def test_jsonl_row_without_the_field(tmp_path: Path) -> None:
    path = _write(tmp_path, "r.jsonl",
                  '{"id": 1, "correct": true}\n{"id": 2}\n{"id": 3, "correct": false}\n')
    with pytest.raises(InputError) as caught:
        list(read_eval_file(path, display="r.jsonl"))
    assert str(caught.value) == "r.jsonl:2: row 2: no value in correctness field 'correct'"


def test_structures_are_not_categories_or_verdicts(tmp_path: Path) -> None:
    rows = [{"id": 1, "category": {"x": 1}, "correct": True},
            {"id": 2, "category": "nda", "correct": [True]}]
    path = _write(tmp_path, "r.json", json.dumps(rows))
    with pytest.raises(InputError) as caught:
        list(read_eval_file(path, display="r.json"))
    assert str(caught.value) == (
        "r.json: row 2: 'correct' value 'an array' is not true/false, 1/0, yes/no, pass/fail "
        "or correct/incorrect")
    first = next(read_eval_file(path, display="r.json"))
    assert first.category is None


def test_huge_and_infinite_scores(tmp_path: Path) -> None:
    # Beyond float range a score means nothing: the scorer misbehaved, so it is an error.
    big = "9" * 400
    path = _write(tmp_path, "r.jsonl", f'{{"id": 1, "s": 1e999}}\n{{"id": 2, "s": {big}}}\n'
                                       '{"id": 3, "s": -1e400}\n{"id": 4, "s": 1e300}\n')
    mapping = FieldMapping(id="id", score="s", threshold=0.5)
    records = list(read_eval_file(path, display="r.jsonl", mapping=mapping))
    assert [r.outcome.value for r in records] == ["error", "error", "error", "pass"]
    assert [r.score for r in records] == [None, None, None, 1e300]


def test_an_integer_too_long_to_convert(tmp_path: Path) -> None:
    path = _write(tmp_path, "r.jsonl", '{"id": 1, "correct": true}\n'
                                       f'{{"id": 2, "s": {"9" * 5000}, "correct": true}}\n')
    with pytest.raises(InputError) as caught:
        list(read_eval_file(path, display="r.jsonl"))
    assert str(caught.value) == "r.jsonl:2: unreadable JSON value (a number too long to convert)"


def test_json_array_of_non_objects(tmp_path: Path) -> None:
    path = _write(tmp_path, "r.json", "[1, 2, 3]")
    with pytest.raises(InputError) as caught:
        list(read_eval_file(path, display="r.json", mapping=CLIENT))
    assert str(caught.value) == "r.json: item 1 is a number, expected an object"


def test_windows_line_endings_and_a_byte_order_mark(tmp_path: Path) -> None:
    csv_path = tmp_path / "excel.csv"
    csv_path.write_bytes(b"\xef\xbb\xbfdoc_id,doc_type,is_correct\r\n1,nda,yes\r\n2,msa,no\r\n")
    jsonl_path = tmp_path / "win.jsonl"
    jsonl_path.write_bytes(b'\xef\xbb\xbf{"id": "1", "correct": true}\r\n\r\n'
                           b'{"id": "2", "correct": false}\r\n')
    records = list(read_eval_file(csv_path, display="excel.csv", mapping=CLIENT))
    assert [(r.example_id, r.category, r.outcome.value) for r in records] == [
        ("1", "nda", "pass"), ("2", "msa", "fail")]
    records = list(read_eval_file(jsonl_path, display="win.jsonl"))
    assert [(r.example_id, r.source) for r in records] == [("1", "win.jsonl:1"),
                                                            ("2", "win.jsonl:3")]


def test_a_runaway_jsonl_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from readiness.evals import parse

    monkeypatch.setattr(parse, "MAX_LINE_BYTES", 1024)
    path = _write(tmp_path, "r.jsonl",
                  '{"id": 1, "correct": true}\n{"id": 2, "correct": true, "pad": "'
                  + "x" * 5000 + '"}\n')
    with pytest.raises(InputError) as caught:
        list(read_eval_file(path, display="r.jsonl"))
    assert str(caught.value) == "r.jsonl:2: line longer than 1,024 bytes: not one example per line"


def _judged(scores: list[object], **metrics: object) -> str:
    """A JSON document shaped like cognee's LoCoMo results: one row per judged answer."""
    return json.dumps([{"question_idx": at, "category": "temporal" if at % 2 else "single_hop",
                        "answer": "7 May 2023",
                        "metrics": {"llm_judge": {"score": score, "reason": "CORRECT"},
                                    **metrics}}
                       for at, score in enumerate(scores)])


def test_a_judge_verdict_kept_as_a_score_of_0_or_1(tmp_path: Path) -> None:
    path = _write(tmp_path, "r.json", _judged([1.0, 0.0, 1, True, 1.0]))
    overall, by_category = _table(path)
    assert overall[:3] == (5, 4, 0)
    assert set(by_category) == {"temporal", "single_hop"}


@pytest.mark.parametrize("text", [
    _judged([1.0, 0.5, 0.0]),  # a graded score: passing needs a threshold, not guessed
    _judged([1.0, None]),  # a row the judge did not score
    _judged([1.0, 0.0], faithfulness={"score": 1.0}),  # two scores: which one?
    json.dumps([{"text": "great", "score": 1}, {"text": "awful", "score": 0}]),  # a label
])
def test_scores_that_are_no_verdict_are_not_read_as_one(tmp_path: Path, text: str) -> None:
    path = _write(tmp_path, "r.json", text)
    with pytest.raises(InputError, match="without a pass/fail column"):
        list(read_eval_file(path, display="r.json"))
