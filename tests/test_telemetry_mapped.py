"""Logs read through a field mapping: --field KEY=PATH and usage.telemetry [{path, fields}]."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from readiness.cli import main
from readiness.config import load_config
from readiness.errors import ConfigError, InputError
from readiness.project import Project
from readiness.telemetry import usage
from readiness.telemetry.mapped import lookup, parse_field_options
from readiness.telemetry.reader import read_requests
from readiness.telemetry.record import Malformed, RequestRecord
from tests.conftest import MakeProject

SDK = Path(__file__).parent / "data" / "telemetry_sdk"
FIELDS = {"model": "m", "input_tokens": "u.in", "output_tokens": "u.out",
          "cached_tokens": "u.cache_read", "cache_write_tokens": "u.cache_write",
          "latency_ms": "ms", "status": "ok", "item": "doc", "start": "t"}


def _read(path: Path, fields: dict[str, str]) -> list[RequestRecord | Malformed]:
    return list(read_requests(path, fields=fields))


def test_lookup_paths() -> None:
    line = {"a": {"b": [{"c": 1}, {"c": 2}]}, "x.y": 3}
    assert lookup(line, "a.b.1.c") == 2
    assert lookup(line, "x.y") == 3  # a key with a dot, taken whole first
    assert lookup(line, "a.b.9.c") is None and lookup(line, "a.c") is None


def test_mapped_lines(tmp_path: Path) -> None:
    path = tmp_path / "calls.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in [
        # Anthropic's convention: in excludes the cache, so the cache counts are added back.
        {"m": "claude-sonnet-4-5", "u": {"in": 50, "out": 10, "cache_read": 0,
                                         "cache_write": 2000},
         "ms": 812.5, "ok": True, "doc": 17, "t": "2026-01-02T03:04:05Z"},
        {"m": "gpt-4o", "u": {"in": 1500, "out": 300, "cache_read": 1024}, "ok": "success"},
        {"m": "gpt-4o", "ok": False},
        {"m": "gpt-4o", "ok": "429"},
        {"m": "gpt-4o", "ok": "RateLimitError"},
        {"unrelated": 1},
        {"m": "gpt-4o", "u": {"in": "many"}},
    ]) + "\n")
    items = _read(path, FIELDS)
    records = [i for i in items if isinstance(i, RequestRecord)]
    first = records[0]
    assert (first.input_tokens, first.cache_write_tokens, first.duration_ms, first.work_item) == (
        2050, 2000, 812.5, "17")
    assert first.start is not None and first.start.isoformat() == "2026-01-02T03:04:05+00:00"
    assert (records[1].input_tokens, records[1].cached_tokens) == (1500, 1024)
    assert [(r.outcome, r.http_status) for r in records] == [
        ("ok", None), ("ok", None), ("error", None), ("rate_limit", 429), ("rate_limit", None)]
    assert [(m.location.rsplit(":", 1)[1], m.reason) for m in items
            if isinstance(m, Malformed)] == [
        ("6", "none of the mapped fields is present (model=m, input_tokens=u.in, "
              "output_tokens=u.out, cached_tokens=u.cache_read, cache_write_tokens=u.cache_write,"
              " latency_ms=ms, status=ok, item=doc, start=t)"),
        ("7", "u.in: expected an integer, got 'many'")]


def test_mapped_csv_and_json_array(tmp_path: Path) -> None:
    csv_path = tmp_path / "calls.csv"
    csv_path.write_text("model,tokens_in,tokens_out,seconds\ngpt-4o,100,20,1.25\n")
    (record,) = _read(csv_path, {"model": "model", "input_tokens": "tokens_in",
                                 "output_tokens": "tokens_out", "latency_s": "seconds"})
    assert isinstance(record, RequestRecord)
    assert (record.model, record.input_tokens, record.duration_ms) == ("gpt-4o", 100, 1250.0)
    with pytest.raises(InputError, match="CSV has no column 'tokens' named in the field"):
        _read(csv_path, {"input_tokens": "tokens"})
    array = tmp_path / "calls.json"
    array.write_text(json.dumps([{"model": "gpt-4o", "n": 5}, {"model": "gpt-4o", "n": 6}],
                                indent=2))
    assert [r.input_tokens for r in _read(array, {"model": "model", "input_tokens": "n"})
            if isinstance(r, RequestRecord)] == [5, 6]


def test_a_mapping_that_matches_nothing_is_an_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "calls.jsonl"
    path.write_text('{"a": 1}\n')
    with pytest.raises(InputError) as caught:
        _read(path, {"input_tokens": "usage.in"})
    assert str(caught.value) == (f"{path}: none of the first 1 records has any mapped field "
                                 "(input_tokens=usage.in): check the paths")


@pytest.mark.parametrize(("options", "message"), [
    (("model",), "--field 'model': expected KEY=PATH, e.g. --field input_tokens=usage."
                 "prompt_tokens"),
    (("tokens=x",), "--field: unknown telemetry field 'tokens'; expected one of model, "),
    (("model=a", "model=b"), "--field 'model' given twice"),
    (("model=",), "--field: telemetry field 'model' maps to no path"),
    (("item=doc",), "--field: a telemetry field mapping needs at least one of model, "),
])
def test_field_option_errors(options: tuple[str, ...], message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_field_options(options)
    assert str(caught.value).startswith(message)


def test_cli_field_option_reads_the_sdk_written_custom_log() -> None:
    result = CliRunner().invoke(main, [
        "usage", str(SDK / "custom_log.jsonl"), "-f", "json",
        "--field", "model=llm.engine", "--field", "input_tokens=llm.tok.in",
        "--field", "output_tokens=llm.tok.out", "--field", "status=llm.outcome"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)["summary"]
    assert (summary["calls"], summary["outcomes"]) == (
        5, {"ok": 3, "rate_limit": 1, "server_error": 1})
    unmapped = CliRunner().invoke(main, ["usage", str(SDK / "custom_log.jsonl")])
    assert unmapped.exit_code == 2
    assert "JSON but not telemetry" in unmapped.output and "--field KEY=PATH" in unmapped.output


def test_config_entries_with_fields(make_project: MakeProject) -> None:
    log = (SDK / "custom_log.jsonl").read_text()
    root = make_project({
        "readiness.yaml": "version: 1\nusage:\n  telemetry:\n"
                          "    - path: logs/*.jsonl\n"
                          "      fields: {model: llm.engine, input_tokens: llm.tok.in,\n"
                          "               output_tokens: llm.tok.out, status: llm.outcome,\n"
                          "               item: job.doc, latency_ms: ms}\n"
                          "    - traces/*.txt\n",
        "logs/app.jsonl": log,
        "traces/spans.txt": (SDK / "anthropic_sdk.console.txt").read_text(),
    })
    config = load_config(root)
    files = usage.configured_files(Project(root), config)
    assert list(files) == ["logs/app.jsonl", "traces/spans.txt"]
    assert files["traces/spans.txt"] is None
    report = usage.for_project(Project(root), config)
    assert report is not None
    assert report.summary.calls == 11 and report.summary.malformed == 0
    assert report.summary.work_items.count == 3 + 6  # invoice-0..2; one trace per span call


def test_config_rejects_unknown_mapping_keys(make_project: MakeProject) -> None:
    root = make_project({"readiness.yaml": "version: 1\nusage:\n  telemetry:\n"
                                           "    - {path: logs/*.jsonl, fields: {tokens: x}}\n"})
    with pytest.raises(ConfigError):
        load_config(root)
