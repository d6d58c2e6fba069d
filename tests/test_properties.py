"""Property-based tests (Hypothesis) of the config loader and the renderers, bounded for CI."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readiness import yamlsource
from readiness.config import load_config, validate
from readiness.errors import ConfigError
from readiness.model import Evidence
from readiness.report import render
from tests.report_fixtures import no_go

RAW_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
EXAMPLES = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
ROOT = Path(__file__).resolve().parent.parent

keys = st.sampled_from(["version", "project", "owner", "timeline", "pilot_start", "thresholds",
                        "min_examples", "workflows", "name", "min_accuracy", "checks",
                        "waivers", "check", "reason", "owner", "expires", "evals", "path",
                        "unknown", "usage", "volume", "evidence", "llm-timeouts"])
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
                    st.dates().map(lambda d: d.isoformat()),
                    st.sampled_from(["../../etc/passwd", "/abs", "2026-13-45", "docs/x.md"]))
documents = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=5)), max_leaves=25)


@EXAMPLES
@given(documents)
def test_any_document_is_loaded_or_a_one_line_config_error(document: object) -> None:
    try:
        text = yaml.safe_dump(document, allow_unicode=True)
    except yaml.YAMLError:
        return
    try:
        doc = yamlsource.load(text, "readiness.yaml")
        if isinstance(doc.data, dict):
            validate(doc, ROOT)
    except ConfigError as error:
        message = str(error)
        assert message.startswith("readiness.yaml") and "\n" not in message


@EXAMPLES
@given(st.text(max_size=300))
def test_any_text_is_loaded_or_a_one_line_config_error(tmp_path: Path, text: str) -> None:
    (tmp_path / "readiness.yaml").write_text(text, encoding="utf-8")
    try:
        load_config(tmp_path)
    except ConfigError as error:
        assert "\n" not in str(error)


hostile_text = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=80),
    st.sampled_from(["<script>alert(1)</script>", "\x1b[31mred", "[bold]x[/bold]", "| a | b |",
                     "<img src=x onerror=alert(1)>", "](javascript:alert(1))"]),
)


@EXAMPLES
@given(name=hostile_text, message=hostile_text, path=hostile_text, reason=hostile_text)
def test_renderers_never_emit_control_characters_or_markup(name: str, message: str, path: str,
                                                           reason: str) -> None:
    card = no_go()
    first = dataclasses.replace(card.results[0], message=message,
                                evidence=(Evidence(path or "x", 3),))
    card = dataclasses.replace(card, project_name=name, reasons=(reason,),
                               results=(first, *card.results[1:]))
    for fmt in ("terminal", "json", "markdown", "html", "sarif", "junit"):
        out = render(card, fmt)
        if fmt == "json":
            assert json.loads(out)["project"]["name"] == name
            continue
        assert not RAW_CONTROL.search(out), (fmt, RAW_CONTROL.search(out))
        if fmt in ("html", "markdown"):
            assert "<script" not in out.lower() and "<img src=x" not in out.lower()


eval_suffix = st.sampled_from([".json", ".jsonl", ".csv", ".eval", ".txt"])
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20),
              st.floats(allow_nan=False), st.text(max_size=20)),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.sampled_from(
                                ["results", "stats", "success", "score", "vars", "metadata",
                                 "samples", "id", "category", "correct", "testCases",
                                 "version", "eval", "scores", "value", "type", "data"]),
                                inner, max_size=5)),
    max_leaves=30)


@EXAMPLES
@given(body=st.one_of(st.binary(max_size=300),
                      json_values.map(lambda v: json.dumps(v).encode()),
                      st.lists(json_values.map(json.dumps), max_size=5).map(
                          lambda lines: "\n".join(lines).encode())),
       suffix=eval_suffix)
def test_eval_readers_read_or_refuse_with_one_line(tmp_path: Path, body: bytes,
                                                   suffix: str) -> None:
    from readiness.errors import InputError
    from readiness.evals import FieldMapping, read_eval_file, summarise

    path = tmp_path / f"results{suffix}"
    path.write_bytes(body)
    for mapping in (None, FieldMapping(category="category", correct="correct")):
        try:
            summary = summarise(read_eval_file(path, display="results" + suffix,
                                               mapping=mapping))
        except InputError as error:
            assert "\n" not in str(error) and str(error).startswith("results")
        else:
            assert summary.overall.n >= 0
            assert 0 <= summary.overall.wilson_low <= summary.overall.wilson_high <= 1


@EXAMPLES
@given(body=st.one_of(st.binary(max_size=300),
                      st.lists(json_values.map(json.dumps), max_size=5).map(
                          lambda lines: "\n".join(lines).encode())),
       suffix=st.sampled_from([".jsonl", ".json", ".csv"]))
def test_telemetry_readers_read_or_refuse_with_one_line(tmp_path: Path, body: bytes,
                                                        suffix: str) -> None:
    from readiness.errors import InputError
    from readiness.telemetry.aggregate import summarise_files

    path = tmp_path / f"log{suffix}"
    path.write_bytes(body)
    try:
        summary, _ = summarise_files([path])
    except InputError as error:
        assert "\n" not in str(error)
    else:
        assert summary.calls >= 0
