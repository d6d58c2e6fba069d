"""Inspect AI logs, read from real logs of tests/data/evals/inspect/task.py run with
mockllm/model by inspect-ai 0.3.100 (deflate .eval) and 0.3.285 (Zstandard .eval, JSON)."""

from __future__ import annotations

import importlib
import importlib.util
import io
import json
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from readiness.errors import InputError
from readiness.evals import EvalFormat, Outcome, detect_format, read_eval_file, summarise
from readiness.evals import inspect_ai as reader
from readiness.evals.record import FieldMapping

DATA = Path(__file__).parent / "data" / "evals" / "inspect"
OLD_EVAL = next((DATA / "logs-0.3.100").glob("*.eval"))
NEW_EVAL = next((DATA / "logs-0.3.285").glob("*.eval"))
NEW_JSON = next((DATA / "logs-0.3.285").glob("*.json"))

# inv-1 C, inv-2 C, inv-3 I | con-1 C, con-2 I, con-3 error | rec-1 C | misc-1 I (no category)
OVERALL = (8, 4, 1, 0.5, 0.2152, 0.7848)
BY_CATEGORY = {
    "contract": (3, 1, 1, 0.3333, 0.0615, 0.7923),
    "invoice": (3, 2, 0, 0.6667, 0.2077, 0.9385),
    "receipt": (1, 1, 0, 1.0, 0.2065, 1.0),
}


def _row(entry: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(entry[k] for k in ("n", "passed", "errors", "accuracy", "wilson_low",
                                    "wilson_high"))


def _table(path: Path, **kwargs: Any) -> tuple[tuple[Any, ...], dict[str, tuple[Any, ...]]]:
    data = summarise(read_eval_file(path, display=path.name, **kwargs)).to_json()
    return _row(data["overall"]), {k: _row(v) for k, v in data["by_category"].items()}


def test_deflate_archive_from_inspect_0_3_100() -> None:
    assert detect_format(OLD_EVAL) is EvalFormat.INSPECT_EVAL
    assert _table(OLD_EVAL) == (OVERALL, BY_CATEGORY)


def test_json_log_from_inspect_0_3_285() -> None:
    assert detect_format(NEW_JSON) is EvalFormat.INSPECT_JSON
    assert _table(NEW_JSON) == (OVERALL, BY_CATEGORY)


def test_samples_keep_ids_tags_target_output_and_time() -> None:
    records = {r.example_id: r for r in read_eval_file(NEW_JSON, display="log.json")}
    assert sorted(records) == ["con-1", "con-2", "con-3", "inv-1", "inv-2", "inv-3",
                               "misc-1", "rec-1"]
    inv3 = records["inv-3"]
    assert (inv3.outcome, inv3.score, inv3.tags) == (Outcome.FAIL, 0.0, ("edge_case",))
    assert (inv3.expected, inv3.actual) == ("9999", "Default output from mockllm/model")
    assert inv3.source == "log.json#inv-3"
    assert records["con-3"].outcome is Outcome.ERROR
    assert records["misc-1"].category is None
    assert inv3.timestamp is not None and inv3.timestamp.year == 2026


def test_tags_survive_in_archives_because_summaries_are_not_used() -> None:
    assert summarise(read_eval_file(OLD_EVAL, display="x.eval")).tags == {"edge_case": 2}


def test_zstandard_archive_from_inspect_0_3_285_reads_out_of_the_box() -> None:
    # A dependency on every supported Python: the archive is never refused for want of it.
    name = "compression.zstd" if sys.version_info >= (3, 14) else "backports.zstd"
    assert importlib.util.find_spec(name) is not None
    assert _table(NEW_EVAL) == (OVERALL, BY_CATEGORY)


def test_zstandard_archive_without_a_decoder_says_how_to_proceed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def no_module(name: str) -> object:
        raise ImportError(name)

    monkeypatch.setattr(reader.importlib, "import_module", no_module)
    assert detect_format(NEW_EVAL) is EvalFormat.INSPECT_EVAL
    with pytest.raises(InputError) as caught:
        list(read_eval_file(NEW_EVAL, display="new.eval"))
    assert "no Zstandard decoder is installed" in str(caught.value)
    assert "inspect log convert --to json" in str(caught.value)


def _rewrite_archive(tmp_path: Path, change: Any) -> Path:
    """A copy of the deflate archive with each sample passed through ``change``."""
    out = tmp_path / "changed.eval"
    with zipfile.ZipFile(OLD_EVAL) as src, zipfile.ZipFile(out, "w",
                                                             zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("samples/"):
                sample = json.loads(data)
                change(sample)
                data = json.dumps(sample).encode()
            dst.writestr(info.filename, data)
    return out


def test_numeric_scores_need_a_threshold(tmp_path: Path) -> None:
    def to_number(sample: dict[str, Any]) -> None:
        if sample.get("scores"):
            letter = sample["scores"]["includes"]["value"]
            sample["scores"]["includes"]["value"] = 0.9 if letter == "C" else 0.2

    path = _rewrite_archive(tmp_path, to_number)
    with pytest.raises(InputError) as caught:
        list(read_eval_file(path, display="n.eval"))
    assert "numeric score 0.9 needs a pass threshold" in str(caught.value)
    assert str(caught.value).startswith("n.eval#")
    overall, _ = _table(path, mapping=FieldMapping(threshold=0.5))
    assert overall == OVERALL


def test_booleans_nan_and_partial_credit(tmp_path: Path) -> None:
    values = {"inv-1": True, "inv-2": float("nan"), "inv-3": "P", "rec-1": "yes"}

    def change(sample: dict[str, Any]) -> None:
        if sample["id"] in values:
            sample["scores"]["includes"]["value"] = values[sample["id"]]

    records = {r.example_id: r for r in read_eval_file(_rewrite_archive(tmp_path, change),
                                                        display="c.eval")}
    assert records["inv-1"].outcome is Outcome.PASS
    assert (records["inv-2"].outcome, records["inv-2"].score) == (Outcome.ERROR, None)
    assert (records["inv-3"].outcome, records["inv-3"].score) == (Outcome.FAIL, 0.5)
    assert records["rec-1"].outcome is Outcome.PASS


def test_an_unknown_score_letter_names_the_sample(tmp_path: Path) -> None:
    def change(sample: dict[str, Any]) -> None:
        if sample["id"] == "con-2":
            sample["scores"]["includes"]["value"] = "Z"

    with pytest.raises(InputError) as caught:
        list(read_eval_file(_rewrite_archive(tmp_path, change), display="c.eval"))
    assert str(caught.value) == (
        "c.eval#con-2: score value 'Z' is not C/I/P/N, a boolean or a number")


def test_a_second_scorer_can_be_chosen(tmp_path: Path) -> None:
    def change(sample: dict[str, Any]) -> None:
        if sample.get("scores"):
            sample["scores"]["strict"] = {"value": "I"}

    path = _rewrite_archive(tmp_path, change)
    assert _table(path)[0] == OVERALL  # the log's own first scorer decides by default
    strict, _ = _table(path, mapping=FieldMapping(score="strict"))
    assert strict[:3] == (8, 0, 1)
    with pytest.raises(InputError, match="no score from scorer 'nope'"):
        list(read_eval_file(path, display="c.eval", mapping=FieldMapping(score="nope")))


def test_epochs_make_one_record_per_sample_and_epoch(tmp_path: Path) -> None:
    doc = json.loads(NEW_JSON.read_text())
    doc["eval"]["config"]["epochs"] = 2
    second = [dict(s, epoch=2) for s in doc["samples"]]
    doc["samples"] += second
    path = tmp_path / "epochs.json"
    path.write_text(json.dumps(doc))
    records = list(read_eval_file(path, display="e.json"))
    assert len(records) == 16
    assert {r.example_id for r in records} >= {"inv-1/epoch-1", "inv-1/epoch-2"}


def test_log_without_samples_is_an_error(tmp_path: Path) -> None:
    doc = json.loads(NEW_JSON.read_text())
    del doc["samples"]
    path = tmp_path / "nosamples.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError, match="has no samples"):
        list(read_eval_file(path, display="nosamples.json"))


def test_truncated_archive_is_an_error(tmp_path: Path) -> None:
    data = OLD_EVAL.read_bytes()
    path = tmp_path / "cut.eval"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError) as caught:
        list(read_eval_file(path, display="cut.eval"))
    assert str(caught.value).startswith("cut.eval: not a readable zip archive")


def test_zip_that_is_not_an_inspect_log(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    path = tmp_path / "other.zip"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(InputError, match="zip archive that is not an Inspect .eval log"):
        detect_format(path)


def test_a_corrupt_member_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "bad.eval"
    with zipfile.ZipFile(OLD_EVAL) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "samples/inv-1_epoch_1.json":
                data = data[: len(data) // 2]
            dst.writestr(info.filename, data)
    with pytest.raises(InputError) as caught:
        list(read_eval_file(path, display="bad.eval"))
    assert str(caught.value) == ("bad.eval!samples/inv-1_epoch_1.json:147:1: truncated JSON "
                                 "(Expecting property name enclosed in double quotes)")
