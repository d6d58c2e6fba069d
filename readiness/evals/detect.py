"""Which tool wrote an eval file (from its content), and reading it as records.

Detection looks at content first: a zip with ``header.json`` is an Inspect archive, a JSON
document or JSON lines is told apart by its keys, and a CSV by its header. The extension
only keeps arbitrary text (YAML, Markdown) from being taken for a one-column CSV.
"""

from __future__ import annotations

import enum
import json
import zipfile
from collections.abc import Callable, Generator, Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from readiness.errors import InputError
from readiness.evals import generic, harnesses, inspect_ai, promptfoo
from readiness.evals.parse import (
    iter_csv,
    load_json_document,
    looks_binary,
    read_prefix,
    unique_keys,
)
from readiness.evals.record import EvalRecord, FieldMapping

EXPECTED = (
    "expected promptfoo output (JSON, JSONL or CSV), an Inspect log (.eval or JSON), a "
    "DeepEval test run, lm-evaluation-harness results or samples, an OpenAI evals log, or "
    "a generic CSV/JSONL/JSON file with a field mapping in readiness.yaml"
)
MAX_FIRST_LINE = 64 * 1024 * 1024
_TEXT_TABLE_SUFFIXES = frozenset({".csv", ".tsv", ".txt", ""})


class EvalFormat(enum.Enum):
    """The eval result formats readiness reads."""

    PROMPTFOO_JSON = "promptfoo-json"
    PROMPTFOO_JSONL = "promptfoo-jsonl"
    PROMPTFOO_CSV = "promptfoo-csv"
    INSPECT_EVAL = "inspect-eval"
    INSPECT_JSON = "inspect-json"
    DEEPEVAL = "deepeval"
    LM_EVAL_RESULTS = "lm-eval-results"
    LM_EVAL_SAMPLES = "lm-eval-samples"
    OPENAI_EVALS = "openai-evals"
    GENERIC_CSV = "generic-csv"
    GENERIC_JSONL = "generic-jsonl"
    GENERIC_JSON = "generic-json"


class EvalSource(NamedTuple):
    """One eval file to read: where it is, how to show it, and how to interpret it."""

    path: Path
    display: str
    mapping: FieldMapping | None = None
    workflow: str | None = None


def detect_format(path: Path, *, display: str | None = None) -> EvalFormat:
    """The format of an eval file, or InputError if it is unreadable or unrecognised."""
    return _sniff(path, display or str(path))[0]


def read_eval_file(path: Path, *, display: str, mapping: FieldMapping | None = None,
                   workflow: str | None = None) -> Iterator[EvalRecord]:
    """Stream the records of one eval file, whatever tool wrote it.

    The format is detected (and a JSON document parsed) before this returns, so a file
    that is not an eval result fails here; a malformed row deeper in a streamed file
    raises InputError when it is reached. A file without a single result is an error.
    """
    return open_eval_file(path, display=display, mapping=mapping, workflow=workflow)[1]


def open_eval_file(path: Path, *, display: str, mapping: FieldMapping | None = None,
                   workflow: str | None = None
                   ) -> tuple[EvalFormat, Generator[EvalRecord, None, None]]:
    """Like ``read_eval_file``, also saying which format was detected."""
    fmt, doc = _sniff(path, display)
    doc_readers: dict[EvalFormat, Callable[..., Iterator[EvalRecord]]] = {
        EvalFormat.PROMPTFOO_JSON: promptfoo.read_json,
        EvalFormat.INSPECT_JSON: inspect_ai.read_json_log,
        EvalFormat.DEEPEVAL: harnesses.read_deepeval,
        EvalFormat.LM_EVAL_RESULTS: harnesses.read_lm_eval_results,
        EvalFormat.GENERIC_JSON: generic.read_json,
    }
    file_readers: dict[EvalFormat, Callable[..., Iterator[EvalRecord]]] = {
        EvalFormat.PROMPTFOO_JSONL: promptfoo.read_jsonl,
        EvalFormat.PROMPTFOO_CSV: promptfoo.read_csv,
        EvalFormat.INSPECT_EVAL: inspect_ai.read_archive,
        EvalFormat.LM_EVAL_SAMPLES: harnesses.read_lm_eval_samples,
        EvalFormat.OPENAI_EVALS: harnesses.read_openai_evals,
        EvalFormat.GENERIC_CSV: generic.read_csv,
        EvalFormat.GENERIC_JSONL: generic.read_jsonl,
    }
    if fmt in doc_readers:
        records = doc_readers[fmt](doc, display, mapping, workflow)
    else:
        records = file_readers[fmt](path, display, mapping, workflow)
    return fmt, _non_empty(records, display, fmt)


def read_eval_files(sources: Iterable[EvalSource]) -> Iterator[EvalRecord]:
    """Stream the records of several eval files in turn."""
    for source in sources:
        yield from read_eval_file(source.path, display=source.display, mapping=source.mapping,
                                  workflow=source.workflow)


def _non_empty(records: Iterator[EvalRecord], display: str,
               fmt: EvalFormat) -> Generator[EvalRecord, None, None]:
    count = 0
    for record in records:
        count += 1
        yield record
    if count == 0:
        raise InputError(f"{fmt.value} file without a single eval result", path=display)


def _sniff(path: Path, display: str) -> tuple[EvalFormat, object]:
    prefix = read_prefix(path, display)
    if prefix.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _sniff_zip(path, display), None
    if prefix.startswith(b"\x1f\x8b"):
        raise InputError("gzip-compressed: decompress it first (gunzip)", path=display)
    if looks_binary(prefix):
        raise InputError(f"binary content, not an eval result file; {EXPECTED}", path=display)
    text = _decode_prefix(prefix, display)
    stripped = text.lstrip()
    if not stripped:
        raise InputError(f"empty file; {EXPECTED}", path=display)
    if stripped[0] in "{[":
        return _sniff_json(path, display)
    return _sniff_table(path, display), None


def _decode_prefix(prefix: bytes, display: str) -> str:
    try:
        return prefix.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start >= len(prefix) - 3:  # a character cut by the prefix boundary
            return prefix[: exc.start].decode("utf-8-sig")
        line = prefix[: exc.start].count(b"\n") + 1
        raise InputError("not valid UTF-8 text", path=display, line=line) from None


def _sniff_zip(path: Path, display: str) -> EvalFormat:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(f"not a readable zip archive ({exc}); it may be truncated",
                         path=display) from None
    if inspect_ai.is_archive(names):
        return EvalFormat.INSPECT_EVAL
    raise InputError(f"zip archive that is not an Inspect .eval log; {EXPECTED}",
                     path=display)


def _sniff_json(path: Path, display: str) -> tuple[EvalFormat, object]:
    first, more = _first_line(path, display)
    row: object = None
    if more:
        try:
            row = json.loads(first, object_pairs_hook=unique_keys)
        except (ValueError, RecursionError):
            row = None  # not one object per line: a (pretty-printed) JSON document
    if isinstance(row, dict):
        return _json_lines_format(row), None
    doc = load_json_document(path, display)
    if promptfoo.summary_rows(doc) is not None:
        return EvalFormat.PROMPTFOO_JSON, doc
    if inspect_ai.is_json_log(doc):
        return EvalFormat.INSPECT_JSON, doc
    if harnesses.deepeval_run(doc) is not None:
        return EvalFormat.DEEPEVAL, doc
    if harnesses.is_lm_eval_results(doc):
        return EvalFormat.LM_EVAL_RESULTS, doc
    if isinstance(doc, dict):  # one line of a JSON-lines format
        fmt = _json_lines_format(doc)
        if fmt is not EvalFormat.GENERIC_JSONL:
            return fmt, None
    if generic.json_rows(doc) is not None:
        return EvalFormat.GENERIC_JSON, doc
    raise InputError(f"not a recognised eval result format; {EXPECTED}", path=display)


def _json_lines_format(row: dict[str, object]) -> EvalFormat:
    if promptfoo.is_result_row(row):
        return EvalFormat.PROMPTFOO_JSONL
    if harnesses.is_openai_evals_line(row):
        return EvalFormat.OPENAI_EVALS
    if harnesses.is_lm_eval_sample(row):
        return EvalFormat.LM_EVAL_SAMPLES
    return EvalFormat.GENERIC_JSONL


def _first_line(path: Path, display: str) -> tuple[str, bool]:
    """The first non-blank line, and whether any non-blank content follows it."""
    try:
        with open(path, "rb") as handle:
            first = b""
            while not first.strip():
                first = handle.readline(MAX_FIRST_LINE)
                if not first:
                    return "", False
            if not first.endswith(b"\n"):
                return "", False  # one line only (or longer than any real JSONL row)
            rest = handle.read(4096)
            while rest and not rest.strip():
                rest = handle.read(4096)
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror or exc}", path=display) from None
    return first.decode("utf-8-sig", errors="replace"), bool(rest.strip())


def _sniff_table(path: Path, display: str) -> EvalFormat:
    if path.suffix.lower() not in _TEXT_TABLE_SUFFIXES:
        raise InputError(f"not a recognised eval result format; {EXPECTED}", path=display)
    rows = iter_csv(path, display)
    try:
        _, header = next(rows, (0, []))
    finally:
        rows.close()
    if promptfoo.is_csv_header(header):
        return EvalFormat.PROMPTFOO_CSV
    if len(header) >= 2:
        return EvalFormat.GENERIC_CSV
    raise InputError(f"not a recognised eval result format; {EXPECTED}", path=display)
