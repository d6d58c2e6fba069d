"""Inspect AI logs: ``.eval`` archives and ``--log-format json`` files.

Shapes are those written by inspect-ai 0.3.100 and 0.3.285 (the tests read real logs from
both, tests/data/evals/inspect). A JSON log is one ``EvalLog``: ``{version, status, eval:
{task, created, config: {epochs}, scorers}, results: {scores: [{name}]}, samples: [...]}``.
An ``.eval`` file is a zip holding ``header.json`` (the same log without samples; while a
run is in progress only ``_journal/start.json``) and one ``samples/<id>_epoch_<n>.json`` per
sample and epoch. ``summaries.json`` is not used: Inspect thins sample metadata there.
A sample has ``id``, ``epoch``, ``metadata``, ``target``, ``output.completion``,
``scores: {scorer: {value, answer, explanation}}`` and ``error`` when it failed.

Score values (``inspect_ai.scorer``): ``C`` correct, ``I`` incorrect, ``P`` partial, ``N``
no answer; booleans; numbers. Only ``C`` (or true, or a number at or above the threshold)
passes: a partial answer is not a correct one.

Since inspect-ai 0.3.2xx archives are compressed with Zstandard (zip method 93), which
Python reads natively only from 3.14 (``compression.zstd``, PEP 784); on 3.11-3.13 its
backport ``backports.zstd`` (a dependency) gives the same module, so both read out of the box.
"""

from __future__ import annotations

import importlib
import struct
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from readiness.errors import InputError
from readiness.evals.parse import (
    decode_text,
    parse_json,
)
from readiness.evals.record import EvalRecord, FieldMapping, Outcome, name_field
from readiness.evals.values import (
    as_dict,
    finite,
    label_of,
    lookup,
    number,
    outcome_word,
    tags_of,
    text_of,
    timestamp_of,
)

# Per-member ceiling against zip bombs; a single sample with a long transcript is a few MB.
MAX_MEMBER_BYTES = 64 * 1024 * 1024
ZIP_ZSTANDARD = 93
_LETTERS = {"C": (Outcome.PASS, 1.0), "I": (Outcome.FAIL, 0.0), "P": (Outcome.FAIL, 0.5),
            "N": (Outcome.FAIL, 0.0)}
_READABLE = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}


def is_json_log(doc: object) -> bool:
    """Does a parsed JSON document look like an Inspect ``EvalLog``?"""
    return (isinstance(doc, dict) and isinstance(doc.get("eval"), dict)
            and "task" in doc["eval"] and "version" in doc and "status" in doc)


def is_archive(names: list[str]) -> bool:
    """Do a zip's member names look like an Inspect ``.eval`` log?"""
    return "header.json" in names or "_journal/start.json" in names


def read_json_log(doc: object, display: str, mapping: FieldMapping | None,
                  workflow: str | None) -> Iterator[EvalRecord]:
    """Records from a parsed ``--log-format json`` log."""
    if not is_json_log(doc):
        raise InputError("not an Inspect log: expected eval, status and samples", path=display)
    assert isinstance(doc, dict)
    samples = doc.get("samples")
    if not isinstance(samples, list) or not samples:
        raise InputError("Inspect log has no samples (was it run with --no-log-samples, "
                         "or is it still running?)", path=display)
    context = _Context(doc, display, mapping, workflow)
    for sample in samples:
        yield context.record(sample)


def read_archive(path: Path, display: str, mapping: FieldMapping | None,
                 workflow: str | None) -> Iterator[EvalRecord]:
    """Records from an ``.eval`` archive, one sample file at a time."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(f"not a readable .eval archive ({exc}); it may be truncated",
                         path=display) from None
    with archive:
        names = archive.namelist()
        if not is_archive(names):
            raise InputError("zip archive without header.json: not an Inspect .eval log",
                             path=display)
        head = "header.json" if "header.json" in names else "_journal/start.json"
        header = parse_json(_member_text(archive, head, path, display), f"{display}!{head}")
        context = _Context(header, display, mapping, workflow)
        members = [n for n in names if n.startswith("samples/") and n.endswith(".json")]
        if not members:
            raise InputError("Inspect log has no samples (was it run with --no-log-samples, "
                             "or is it still running?)", path=display)
        for name in members:
            yield context.record(parse_json(_member_text(archive, name, path, display),
                                            f"{display}!{name}"))


def _member_text(archive: zipfile.ZipFile, name: str, path: Path, display: str) -> str:
    info = archive.getinfo(name)
    if info.file_size > MAX_MEMBER_BYTES:
        raise InputError(f"{name} unpacks to {info.file_size} bytes, over the "
                         f"{MAX_MEMBER_BYTES} byte limit", path=display)
    try:
        if info.compress_type in _READABLE:
            with archive.open(info) as member:  # the header's size may lie: read bounded
                data = member.read(MAX_MEMBER_BYTES + 1)
            if len(data) > MAX_MEMBER_BYTES:
                raise InputError(f"{name} unpacks to more than {MAX_MEMBER_BYTES} bytes, "
                                 "the limit", path=display)
        elif info.compress_type == ZIP_ZSTANDARD:
            data = _zstd(_raw_member(path, info), display)
        else:
            raise InputError(f"{name} uses zip compression method {info.compress_type}, "
                             "which cannot be read", path=display)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise InputError(f"{name} cannot be unpacked ({exc}); the archive may be truncated",
                         path=display) from None
    return decode_text(data, f"{display}!{name}")


def _raw_member(path: Path, info: zipfile.ZipInfo) -> bytes:
    """A member's compressed bytes, read past its local header (zipfile refuses method 93)."""
    with open(path, "rb") as handle:
        handle.seek(info.header_offset)
        local = handle.read(30)
        if len(local) != 30 or local[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile("bad local file header")
        name_len, extra_len = struct.unpack("<HH", local[26:30])
        handle.seek(info.header_offset + 30 + name_len + extra_len)
        data = handle.read(info.compress_size)
    if len(data) != info.compress_size:
        raise EOFError("member data is cut short")
    return data


def _zstd(data: bytes, display: str) -> bytes:
    # Python 3.14's compression.zstd, or its backport (a dependency on 3.11-3.13): one API.
    for module_name in ("compression.zstd", "backports.zstd"):
        try:
            module: Any = importlib.import_module(module_name)
        except ImportError:
            continue
        try:
            out: bytes = module.ZstdDecompressor().decompress(data,
                                                              max_length=MAX_MEMBER_BYTES + 1)
        except Exception as exc:  # noqa: BLE001 - any decoder failure means a corrupt member
            raise ValueError(f"Zstandard data is corrupt: {exc}") from None
        if len(out) > MAX_MEMBER_BYTES:
            raise ValueError("member unpacks beyond the size limit")
        return out
    raise InputError(
        "this .eval archive is Zstandard-compressed (inspect-ai 0.3.2xx and later) and no "
        "Zstandard decoder is installed (reinstall readiness, which depends on "
        "'backports.zstd' before Python 3.14); or convert it with "
        "'inspect log convert --to json'", path=display)


class _Context:
    """What every sample of one log shares: scorer order, epochs, creation time, mapping."""

    def __init__(self, header: object, display: str, mapping: FieldMapping | None,
                 workflow: str | None) -> None:
        spec = as_dict(as_dict(header).get("eval"))
        self.display = display
        self.mapping = mapping or FieldMapping()
        self.workflow = workflow
        self.created = timestamp_of(spec.get("created"))
        epochs = lookup(spec, "config.epochs")
        self.several_epochs = isinstance(epochs, int) and epochs > 1
        self.scorers: list[str] = []
        for place in (lookup(header, "results.scores"), spec.get("scorers")):
            if isinstance(place, list):
                self.scorers += [s["name"] for s in place
                                 if isinstance(s, dict) and isinstance(s.get("name"), str)]

    def record(self, sample: object) -> EvalRecord:
        """The record for one sample (one epoch of it)."""
        if not isinstance(sample, dict):
            raise InputError("a sample is not a JSON object", path=self.display)
        sample_id = label_of(sample.get("id")) or "?"
        epoch = sample.get("epoch")
        example = f"{sample_id}/epoch-{epoch}" if self.several_epochs else sample_id
        where = f"{self.display}#{example}"
        metadata = sample.get("metadata")
        outcome, score = self._judge(sample, where)
        return EvalRecord(
            source=where,
            example_id=example,
            workflow=self.workflow,
            category=label_of(lookup(metadata, self.mapping.category or "category")),
            tags=tags_of(lookup(metadata, self.mapping.tags or "tags")),
            outcome=outcome,
            score=score,
            expected=text_of(sample.get("target")),
            actual=text_of(lookup(sample, "output.completion")),
            timestamp=self._when(sample),
        )

    def _when(self, sample: dict[str, Any]) -> datetime | None:
        return (timestamp_of(sample.get("completed_at")) or timestamp_of(sample.get("started_at"))
                or self.created)

    def _judge(self, sample: dict[str, Any], where: str) -> tuple[Outcome, float | None]:
        if sample.get("error"):
            return Outcome.ERROR, None
        scores = sample.get("scores")
        if not isinstance(scores, dict) or not scores:
            return Outcome.ERROR, None  # neither scored nor marked as failed: not evaluated
        value = self._value(scores, where)
        if isinstance(value, str) and value.strip().upper() in _LETTERS:
            return _LETTERS[value.strip().upper()]
        if isinstance(value, str):
            word = outcome_word(value)
            if isinstance(word, bool):
                return (Outcome.PASS if word else Outcome.FAIL), (1.0 if word else 0.0)
            raise InputError(f"score value {value!r} is not C/I/P/N, a boolean or a number",
                             path=where)
        if value is None:
            return Outcome.ERROR, None
        numeric = number(value)
        if numeric is None:
            raise InputError("score value is a structure; name its key with "
                             f"{name_field('score', repr('scorer.key'))}", path=where)
        if finite(numeric) is None:
            return Outcome.ERROR, None
        threshold = self.mapping.threshold
        if threshold is None:
            if numeric not in (0.0, 1.0):
                raise InputError(f"numeric score {numeric:g} needs a pass threshold "
                                 f"({name_field('threshold')})", path=where)
            threshold = 1.0
        return (Outcome.PASS if numeric >= threshold else Outcome.FAIL), numeric

    def _value(self, scores: dict[str, Any], where: str) -> object:
        wanted = self.mapping.score
        if wanted:
            if wanted in scores:
                return lookup(scores[wanted], "value")
            scorer, _, key = wanted.partition(".")
            if scorer in scores and key:
                return lookup(lookup(scores[scorer], "value"), key)
            raise InputError(f"no score from scorer {wanted!r} (scorers: "
                             f"{', '.join(sorted(scores))})", path=where)
        name = next((s for s in self.scorers if s in scores), next(iter(scores)))
        return lookup(scores[name], "value")
