"""Read a telemetry file into request records, streaming, one line at a time.

A malformed line becomes a :class:`~readiness.telemetry.record.Malformed` entry
(location and reason) and reading goes on; a file that is not telemetry at all
raises :class:`~readiness.errors.InputError` before anything is yielded.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

from readiness.errors import InputError
from readiness.telemetry import applog, console, gateways, loadtest, mapped, otlp, providers
from readiness.telemetry import detect as detection_module
from readiness.telemetry.detect import (
    EXPECTED,
    Detection,
    Format,
    Layout,
    bounded_lines,
    classify_object,
    detect,
    detect_mapped,
    document_items,
    load_document,
)
from readiness.telemetry.record import LoadTestResult, Malformed, RequestRecord
from readiness.telemetry.stream import json_values
from readiness.telemetry.values import MalformedRecord, loads

Item = RequestRecord | Malformed

# One parsed object to zero or more records; raises MalformedRecord.
Converter = Callable[[Mapping[str, Any], str], list[RequestRecord]]


def _provider(obj: Mapping[str, Any], source: str) -> list[RequestRecord]:
    if not providers.is_provider_object(obj):
        raise MalformedRecord("not an OpenAI/Anthropic response or batch result")
    return [providers.record_from_provider(obj, source)]


def _otlp(obj: Mapping[str, Any], source: str) -> list[RequestRecord]:
    if not otlp.is_otlp_document(obj):
        raise MalformedRecord("not an OTLP trace export (no resourceSpans)")
    return otlp.records_from_otlp(obj, source)


def _litellm(obj: Mapping[str, Any], source: str) -> list[RequestRecord]:
    if not gateways.is_litellm(obj):
        raise MalformedRecord("not a LiteLLM logging payload or spend log")
    return [gateways.record_from_litellm(obj, source)]


def _langfuse(obj: Mapping[str, Any], source: str) -> list[RequestRecord]:
    if not gateways.is_langfuse(obj):
        raise MalformedRecord("not a Langfuse observation")
    record = gateways.record_from_langfuse(obj, source)
    return [record] if record is not None else []


def _langsmith(obj: Mapping[str, Any], source: str) -> list[RequestRecord]:
    if not gateways.is_langsmith(obj):
        raise MalformedRecord("not a LangSmith run")
    record = gateways.record_from_langsmith(obj, source)
    return [record] if record is not None else []


def _app_log(obj: Mapping[str, Any], source: str) -> list[RequestRecord]:
    return applog.records_from_app_log(obj, source)


def _mapped(fields: Mapping[str, str], obj: Mapping[str, Any], source: str
            ) -> list[RequestRecord]:
    return mapped.record_from_mapped(obj, fields, source)


CONVERTERS: Mapping[Format, Converter] = {
    Format.OTLP: _otlp,
    Format.PROVIDER: _provider,
    Format.LITELLM: _litellm,
    Format.LANGFUSE: _langfuse,
    Format.LANGSMITH: _langsmith,
    Format.APP_LOG: _app_log,
}


def _convert(convert: Converter, obj: object, source: str) -> Iterator[Item]:
    if not isinstance(obj, Mapping):
        yield Malformed(source, "expected a JSON object")
        return
    try:
        records = convert(obj, source)
    except MalformedRecord as exc:
        yield Malformed(source, str(exc))
        return
    yield from records


def read_requests(path: Path, detection: Detection | None = None,
                  fields: Mapping[str, str] | None = None) -> Iterator[Item]:
    """Every model-call record (or malformed entry) in ``path``, in file order.

    With ``fields`` (a field mapping), the file is read through it whatever it holds.
    Detection runs eagerly, so a non-telemetry file raises InputError at the call,
    not at the first ``next()``.
    """
    found = detection or (detect_mapped(path, fields) if fields else detect(path))
    if found.format.is_load_test:
        raise InputError(f"is a {found.format.value} load-test result, not request "
                         "telemetry", path=str(path))
    convert: Converter
    if found.format is Format.OTEL_CONSOLE:
        convert = console.ConsoleSpans()  # per file: it de-duplicates wrapping spans
    elif found.format is Format.MAPPED:
        mapping = dict(fields or {})
        convert = partial(_mapped, mapping)
    else:
        convert = CONVERTERS[found.format]
    if found.layout is Layout.JSON_LINES:
        return _read_lines(path, convert)
    if found.layout is Layout.CSV:
        return _read_csv(path, convert, raw_rows=found.format is Format.MAPPED)
    if found.layout is Layout.JSON_STREAM:
        return _read_stream(path, convert)
    return _read_document(path, convert)


def _too_long(limit: int) -> str:
    return (f"line longer than {limit // (1024 * 1024)} MB; skipped" if limit >= 1024 * 1024
            else f"line longer than {limit:,} bytes; skipped")


def _read_lines(path: Path, convert: Converter) -> Iterator[Item]:
    limit = detection_module.MAX_LINE_BYTES
    with path.open("rb") as handle:
        for number, raw in enumerate(bounded_lines(handle, limit), start=1):
            if raw is None:
                yield Malformed(f"{path}:{number}", _too_long(limit))
                continue
            line = raw.strip()
            if number == 1:
                line = line.removeprefix(b"\xef\xbb\xbf")
            if not line:
                continue
            source = f"{path}:{number}"
            try:
                obj = loads(line)
            except MalformedRecord as exc:
                yield Malformed(source, str(exc))
                continue
            yield from _convert(convert, obj, source)


def _read_stream(path: Path, convert: Converter) -> Iterator[Item]:
    with path.open("rb") as handle:
        for line, value in json_values(handle, detection_module.MAX_LINE_BYTES):
            if isinstance(value, MalformedRecord):
                yield Malformed(f"{path}:{line}", str(value))
            else:
                yield from _convert(convert, value, f"{path}:{line}")


def _read_document(path: Path, convert: Converter) -> Iterator[Item]:
    doc = load_document(path)
    for index, obj in enumerate(document_items(doc)):
        yield from _convert(convert, obj, f"{path}#{index}")


class _LineTooLong(Exception):
    """Raised through csv.reader for a line over the limit; reading goes on after it."""


class _CsvLines:
    """A CSV file's lines for csv.reader, each bounded (see ``bounded_lines``), counted."""

    def __init__(self, handle: BinaryIO, limit: int) -> None:
        self._lines = bounded_lines(handle, limit)
        self.number = 0

    def __iter__(self) -> _CsvLines:
        return self

    def __next__(self) -> str:
        raw = next(self._lines)
        self.number += 1
        if raw is None:
            raise _LineTooLong
        if self.number == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        return raw.decode("utf-8", errors="replace")


def _read_csv(path: Path, convert: Converter, *, raw_rows: bool = False) -> Iterator[Item]:
    limit = detection_module.MAX_LINE_BYTES
    with path.open("rb") as handle:
        lines = _CsvLines(handle, limit)
        reader = csv.DictReader(lines)
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except _LineTooLong:
                yield Malformed(f"{path}:{lines.number}", _too_long(limit))
                continue
            except csv.Error as exc:  # e.g. a cell beyond the csv field size limit
                yield Malformed(f"{path}:{lines.number}", f"unreadable CSV row ({exc})")
                continue
            source = f"{path}:{lines.number}"  # the row's (last) physical line
            if raw_rows:
                yield from _convert(convert, row, source)
                continue
            try:
                obj = gateways.langfuse_row(row)
            except MalformedRecord as exc:
                yield Malformed(source, str(exc))
                continue
            yield from _convert(convert, obj, source)


def read_load_test(path: Path, detection: Detection | None = None) -> LoadTestResult:
    """The aggregate result of a Locust or k6 run."""
    found = detection or detect(path)
    if found.format is Format.LOCUST:
        return loadtest.read_locust(path)
    if found.format is Format.K6:
        doc = load_document(path)
        if classify_object(doc) is not Format.K6:
            raise InputError(f"not a single k6 summary document; {EXPECTED}", path=str(path))
        try:
            return loadtest.k6_result(doc, str(path))
        except MalformedRecord as exc:
            raise InputError(f"k6 summary: {exc}", path=str(path)) from None
    raise InputError(f"is {found.format.value} request telemetry, not a load-test result",
                     path=str(path))
