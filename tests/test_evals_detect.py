"""Format detection from content, and every kind of broken file becoming one clear line."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readiness.errors import InputError
from readiness.evals import (
    EvalFormat,
    EvalSource,
    detect_format,
    read_eval_file,
    read_eval_files,
    summarise,
)
from readiness.evals.record import FieldMapping, source_file

DATA = Path(__file__).parent / "data" / "evals"
PROMPTFOO_JSON = DATA / "promptfoo" / "results.json"
EXPECTED = (
    "expected promptfoo output (JSON, JSONL or CSV), an Inspect log (.eval or JSON), a "
    "DeepEval test run, lm-evaluation-harness results or samples, an OpenAI evals log, or "
    "a generic CSV/JSONL/JSON file with a field mapping in readiness.yaml"
)


@pytest.mark.parametrize(("relative", "fmt"), [
    ("promptfoo/results.json", EvalFormat.PROMPTFOO_JSON),
    ("promptfoo/results.jsonl", EvalFormat.PROMPTFOO_JSONL),
    ("promptfoo/results.csv", EvalFormat.PROMPTFOO_CSV),
    ("deepeval/results/test_run_20261124_234031.json", EvalFormat.DEEPEVAL),
    ("deepeval/.deepeval/.latest_test_run.json", EvalFormat.DEEPEVAL),
    ("openai_evals/match-log.jsonl", EvalFormat.OPENAI_EVALS),
    ("generic/client.csv", EvalFormat.GENERIC_CSV),
    ("generic/scored.jsonl", EvalFormat.GENERIC_JSONL),
    ("generic/nested.json", EvalFormat.GENERIC_JSON),
])
def test_real_files_are_detected(relative: str, fmt: EvalFormat) -> None:
    assert detect_format(DATA / relative) is fmt


def test_detection_ignores_the_extension(tmp_path: Path) -> None:
    for source, name in [(PROMPTFOO_JSON, "export.txt"),
                         (DATA / "promptfoo" / "results.jsonl", "results.json"),
                         (next((DATA / "inspect" / "logs-0.3.100").glob("*.eval")), "log.zip")]:
        target = tmp_path / name
        target.write_bytes(source.read_bytes())
        assert detect_format(target) is detect_format(source)


def test_one_line_files(tmp_path: Path) -> None:
    row = (DATA / "promptfoo" / "results.jsonl").read_text().splitlines()[0]
    single = tmp_path / "one.jsonl"
    single.write_text(row)  # no trailing newline: one JSON object, still a promptfoo row
    assert detect_format(single) is EvalFormat.PROMPTFOO_JSONL
    assert len(list(read_eval_file(single, display="one.jsonl"))) == 1
    compact = tmp_path / "compact.json"
    compact.write_text(json.dumps(json.loads(PROMPTFOO_JSON.read_text())))
    assert detect_format(compact) is EvalFormat.PROMPTFOO_JSON


def _broken_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """name -> (file, the exact error line)."""
    promptfoo = PROMPTFOO_JSON.read_bytes()
    cases: dict[str, tuple[bytes, str, str]] = {
        "empty": (b"", "x.json", f"x.json: empty file; {EXPECTED}"),
        "blank": (b"  \n\n\t\n", "x.jsonl", f"x.jsonl: empty file; {EXPECTED}"),
        "truncated-json": (promptfoo[:5000], "x.json",
                           "x.json:{line}:{col}: truncated JSON ({msg})"),
        "wrong-shape": (b'{"evaluation": {"score": 0.9}}', "x.json",
                        f"x.json: not a recognised eval result format; {EXPECTED}"),
        "scalar-json": (b"42", "x.json", f"x.json: not a recognised eval result format; "
                                         f"{EXPECTED}"),
        "binary": (bytes(range(256)) * 4, "x.csv",
                   f"x.csv: binary content, not an eval result file; {EXPECTED}"),
        "latin-1": ("id,category,correct\n1,Café,yes\n".encode("latin-1"), "x.csv",
                    "x.csv:2: not valid UTF-8 text"),
        "gzip": (gzip.compress(b'{"doc_id": 0}\n'), "samples_x.jsonl.gz",
                 "samples_x.jsonl.gz: gzip-compressed: decompress it first (gunzip)"),
        "duplicate-key": (b'{"results": {"results": []}, "results": []}', "x.json",
                          "x.json: duplicate key 'results' in a JSON object: which value "
                          "counts is ambiguous"),
        "duplicate-key-jsonl": (b'{"id": 1, "correct": true}\n{"id": 2, "correct": true, '
                                b'"correct": false}\n', "x.jsonl",
                                "x.jsonl:2: duplicate key 'correct' in a JSON object: which "
                                "value counts is ambiguous"),
        "jsonl-not-object": (b'{"id": 1, "correct": true}\n[1, 2]\n', "x.jsonl",
                             "x.jsonl:2: expected a JSON object on each line, found an array"),
        "jsonl-truncated": (b'{"id": 1, "correct": true}\n{"id": 2, "corr', "x.jsonl",
                            "x.jsonl:2:11: truncated JSON (Unterminated string starting at)"),
        "jsonl-garbage-line": (b'{"id": 1, "correct": true}\nnot json\n', "x.jsonl",
                               "x.jsonl:2:1: malformed JSON (Expecting value)"),
        "deep-nesting": (b"[" * 100_000 + b"]" * 100_000, "x.json",
                         "x.json: JSON nested too deeply to read"),
        "yaml-config": (b"prompts:\n  - 'Hi {{name}}'\nproviders: [echo]\n", "promptfoo.yaml",
                        f"promptfoo.yaml: not a recognised eval result format; {EXPECTED}"),
        "markdown": (b"# Results\n\n| a | b |\n", "notes.md",
                     f"notes.md: not a recognised eval result format; {EXPECTED}"),
        "one-column": (b"just some text\nmore text\n", "x.csv",
                       f"x.csv: not a recognised eval result format; {EXPECTED}"),
        "nul-in-jsonl-row": (b'{"id": 1, "correct": true}\n{"id": "\x00"}\n', "x.jsonl",
                             f"x.jsonl: binary content, not an eval result file; {EXPECTED}"),
        "nul-deep-in-jsonl": (b'{"id": 1, "correct": true}\n' * 5000 + b'{"id": "\x00"}\n',
                              "x.jsonl", "x.jsonl:5001: binary content, not JSON lines"),
        "nul-deep-in-csv": (b"id,correct\n" + b"1,yes\n" * 20000 + b"2,\x00\n", "x.csv",
                            "x.csv:20002: binary content, not CSV text"),
    }
    out: dict[str, tuple[Path, str]] = {}
    for name, (data, filename, message) in cases.items():
        folder = tmp_path / name
        folder.mkdir()
        path = folder / filename
        path.write_bytes(data)
        out[name] = (path, message)
    # The truncated promptfoo file stops mid-document: its position is where the text ends.
    path, _ = out["truncated-json"]
    try:
        json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        out["truncated-json"] = (path, f"x.json:{exc.lineno}:{exc.colno}: truncated JSON "
                                       f"({exc.msg})")
    return out


BROKEN = ["empty", "blank", "truncated-json", "wrong-shape", "scalar-json", "binary",
          "latin-1", "gzip", "duplicate-key", "duplicate-key-jsonl", "jsonl-not-object",
          "jsonl-truncated", "jsonl-garbage-line", "deep-nesting", "yaml-config", "markdown",
          "one-column", "nul-in-jsonl-row", "nul-deep-in-jsonl", "nul-deep-in-csv"]


@pytest.mark.parametrize("case", BROKEN)
def test_broken_files_raise_one_clear_line(tmp_path: Path, case: str) -> None:
    path, message = _broken_files(tmp_path)[case]
    with pytest.raises(InputError) as caught:
        list(read_eval_file(path, display=path.name))
    assert str(caught.value) == message
    assert "\n" not in str(caught.value)


def test_a_folder_and_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        detect_format(tmp_path, display="evals")
    assert str(caught.value) == "evals: is a folder, not an eval result file"
    with pytest.raises(InputError) as caught:
        detect_format(tmp_path / "gone.json", display="gone.json")
    assert str(caught.value) == "gone.json: cannot read the file: No such file or directory"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files regardless of mode")
def test_an_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "secret.json"
    path.write_text("{}")
    path.chmod(0)
    with pytest.raises(InputError, match="cannot read the file: Permission denied"):
        detect_format(path, display="secret.json")


def test_format_errors_come_before_iteration(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"nothing": "here"}')
    with pytest.raises(InputError):
        read_eval_file(path, display="x.json")  # not even iterated


def test_read_eval_files_chains_sources_with_workflows() -> None:
    sources = [
        EvalSource(PROMPTFOO_JSON, "evals/results.json", workflow="vendor-contracts"),
        EvalSource(DATA / "generic" / "client.csv", "evals/client.csv",
                   FieldMapping(id="doc_id", category="doc_type", correct="is_correct"),
                   "client-agreements"),
    ]
    summary = summarise(read_eval_files(sources))
    assert summary.files == ("evals/client.csv", "evals/results.json")
    assert {k: v.overall.n for k, v in summary.by_workflow.items()} == {
        "client-agreements": 12, "vendor-contracts": 10}
    assert summary.overall.n == 22


def test_source_file_splits_provenance() -> None:
    assert source_file("evals/a.csv:12") == "evals/a.csv"
    assert source_file("evals/a.json#test-3") == "evals/a.json"
    assert source_file("logs/x.eval#inv-1/epoch-2") == "logs/x.eval"
    assert source_file("weird:name.json#id:7") == "weird:name.json"
    assert source_file("plain") == "plain"


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=2048),
       name=st.sampled_from(["r.json", "r.jsonl", "r.csv", "r.eval", "r.txt"]))
def test_arbitrary_bytes_never_escape_as_anything_but_input_error(
        tmp_path: Path, data: bytes, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    try:
        for record in read_eval_file(path, display=name):
            assert record.source.startswith(name)
    except InputError as exc:
        assert str(exc).startswith(name) and "\n" not in str(exc)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(min_value=0, max_value=len(PROMPTFOO_JSON.read_bytes())))
def test_a_promptfoo_file_cut_anywhere_is_read_whole_or_refused(tmp_path: Path,
                                                                  cut: int) -> None:
    path = tmp_path / "cut.json"
    path.write_bytes(PROMPTFOO_JSON.read_bytes()[:cut])
    try:
        records = list(read_eval_file(path, display="cut.json"))
    except InputError:
        return
    assert len(records) == 10
