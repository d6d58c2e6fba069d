"""Gold datasets: labelled inputs with their expected outputs, kept without results.

Most teams keep a gold set (inputs, expected outputs, a category, tags) and run it in CI
without committing the results. Such a set shows how many examples, and which edge cases,
a workflow is tested on; it cannot show accuracy, which needs outcomes.

A file is a gold set when its rows (JSONL, a JSON or YAML list, CSV/TSV, or promptfoo's
``tests:`` list) have an input field and an expected-output field (``input``/``question``/
``prompt``... and ``expected_output``/``target``/``answer``...; promptfoo tests: ``vars``
and ``assert``). Each row gives:

- the **workflow**, from a ``workflow`` or ``task`` field (a ``category`` never splits a set);
- the **category**, from ``category`` or ``metadata.category``;
- **tags**, from a ``tags`` list or string, nested ``metadata.tags``, a true ``edge_case``
  column and ``<slice>:<kind>`` columns (``edge_case:ocr`` true gives tag ``edge_case:ocr``);
- its **input**, normalised (whitespace and case), so that the same input repeated counts
  once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from readiness.errors import ConfigError, InputError
from readiness.evals.parse import iter_csv, iter_json_lines, load_json_document
from readiness.evals.values import cell_tags, label_of, lookup, outcome_word, text_of

INPUT_NAMES = ("input", "inputs", "question", "query", "prompt", "instruction", "user_input",
               "text", "document", "messages", "vars")
EXPECTED_NAMES = ("expected_output", "expected", "expected_answer", "expected_outcome",
                  "target", "reference", "reference_answer", "ideal", "answer", "label",
                  "ground_truth", "gold", "assert", "__expected")
WORKFLOW_NAMES = ("workflow", "task", "task_type", "workflow_name")
LIST_KEYS = ("tests", "examples", "samples", "data", "dataset", "test_cases", "goldens",
             "cases", "items", "rows")
MAX_YAML_BYTES = 8 * 1024 * 1024
_SLICE = re.compile(r"^[A-Za-z][\w-]*:[\w-]+\Z")
_SPACE = re.compile(r"\s+")
_EDGE_FLAGS = frozenset({"edge_case", "edge-case", "is_edge_case"})


class NotGold(Exception):
    """The file's rows have no input or no expected output: not a gold set."""


class Keys(NamedTuple):
    """Field names a harness gave for input and expected output (DeepEval's key names)."""

    input: str | None = None
    expected: str | None = None


class GoldRow(NamedTuple):
    """One labelled example: where it is, its normalised input, workflow, category, tags."""

    where: str
    key: str
    workflow: str | None
    category: str | None
    tags: tuple[str, ...]


NO_KEYS = Keys()


def read_gold(path: Path, display: str, keys: Keys = NO_KEYS) -> list[GoldRow]:
    """The labelled rows of a gold set, NotGold if it is not one, InputError if malformed."""
    rows = [_row(obj, where, keys) for where, obj in _objects(path, display)]
    labelled = [r for r in rows if r is not None]
    if not labelled or len(labelled) * 2 < len(rows):
        raise NotGold(display)
    return labelled


def _objects(path: Path, display: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        for line, obj in iter_json_lines(path, display):
            yield f"{display}:{line}", obj
    elif suffix in (".csv", ".tsv"):
        rows = iter_csv(path, display)
        _, header = next(rows, (0, []))
        for line, cells in rows:
            if any(cell.strip() for cell in cells) and len(cells) == len(header):
                yield f"{display}:{line}", dict(zip(header, cells, strict=True))
    elif suffix == ".json":
        yield from _listed(load_json_document(path, display), display, None)
    elif suffix in (".yaml", ".yml"):
        yield from _yaml(path, display)


def _yaml(path: Path, display: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    from readiness import yamlsource

    try:
        if path.stat().st_size > MAX_YAML_BYTES:
            raise InputError("YAML data set larger than 8 MB; keep it as JSONL", path=display)
        text = path.read_bytes().decode("utf-8-sig")
        doc = yamlsource.load(text, display)
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror or exc}", path=display) from None
    except UnicodeDecodeError:
        raise InputError("not valid UTF-8 text", path=display) from None
    except ConfigError as exc:
        raise InputError(exc.message, path=display, line=exc.line) from None
    yield from _listed(doc.data, display, doc)


def _listed(data: object, display: str, doc: Any) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """The objects of a list, or of the list under a conventional key of a mapping."""
    path: tuple[str | int, ...] = ()
    if isinstance(data, dict):
        key = next((k for k in LIST_KEYS if isinstance(data.get(k), list)), None)
        if key is None:
            return
        data, path = data[key], (key,)
    if not isinstance(data, list):
        return
    for index, obj in enumerate(data):
        if isinstance(obj, dict):
            place = doc.where(path + (index,)) if doc is not None else None
            yield (f"{display}:{place[0]}" if place else f"{display}#{index}"), obj


def _field(obj: Mapping[str, Any], names: tuple[str, ...], given: str | None) -> object:
    if given:
        return lookup(obj, given)
    lowered = {k.strip().lower(): k for k in obj if isinstance(k, str)}
    for name in names:
        if name in lowered:
            value = obj[lowered[name]]
            if value not in (None, "", [], {}):
                return value
    return None


def _row(obj: Mapping[str, Any], where: str, keys: Keys) -> GoldRow | None:
    value = _field(obj, INPUT_NAMES, keys.input)
    expected = _field(obj, EXPECTED_NAMES, keys.expected)
    if value is None and expected is not None and "__expected" in obj:
        # a promptfoo CSV of test cases: every column not named __... is a prompt variable
        value = {k: v for k, v in obj.items() if isinstance(k, str) and not k.startswith("__")}
    if value is None or expected is None:
        return None
    metadata = obj.get("metadata")
    workflow = label_of(_field(obj, WORKFLOW_NAMES, None)) or label_of(
        _field(metadata, WORKFLOW_NAMES, None) if isinstance(metadata, dict) else None)
    category = label_of(obj.get("category")) or label_of(lookup(metadata, "category"))
    return GoldRow(where, normalised(value), workflow, category, row_tags(obj))


def normalised(value: object) -> str:
    """The input as compared for duplicates: whitespace collapsed, case folded."""
    return _SPACE.sub(" ", text_of(value) or "").strip().casefold()


def row_tags(obj: Mapping[str, Any]) -> tuple[str, ...]:
    """Tags from ``tags``, ``metadata.tags``, a true ``edge_case`` flag and slice columns."""
    found = list(cell_tags(obj.get("tags"))) + list(cell_tags(lookup(obj.get("metadata"),
                                                                     "tags")))
    for key, value in obj.items():
        if not isinstance(key, str):
            continue
        name = key.strip()
        if (name.lower() in _EDGE_FLAGS or _SLICE.match(name)) and outcome_word(value) is True:
            found.append("edge_case" if name.lower() in _EDGE_FLAGS else name)
    return tuple(dict.fromkeys(found))


_TOKENS = re.compile(r"[:/=.\s]+")


def tag_matches(tag: str, wanted: frozenset[str]) -> bool:
    """Whole-token match: ``edge_case:ocr`` matches ``edge_case``; ``edge-router`` does not
    match ``edge`` (``-`` and ``_`` join words; ``:``, ``/``, ``=``, ``.`` separate them)."""
    return any(token in wanted for token in _TOKENS.split(tag.strip().lower()) if token)


class GoldGroup(NamedTuple):
    """One workflow's share of the gold sets (``workflow`` None: rows without one)."""

    workflow: str | None
    rows: int
    labels: dict[str, frozenset[str]]  # each distinct input: its tags and category
    files: tuple[str, ...]

    @property
    def distinct(self) -> int:
        return len(self.labels)

    @property
    def duplicates(self) -> int:
        return self.rows - self.distinct

    def edge_cases(self, wanted: frozenset[str]) -> int:
        """Distinct inputs with a tag (or category) matching one of ``wanted`` as a token."""
        return sum(1 for labels in self.labels.values()
                   if any(tag_matches(label, wanted) for label in labels))


def group(rows: list[tuple[str, GoldRow]]) -> list[GoldGroup]:
    """``(file, row)`` pairs split by workflow field (never by category), inputs counted once."""
    by_flow: dict[str | None, list[tuple[str, GoldRow]]] = {}
    for pair in rows:
        by_flow.setdefault(pair[1].workflow, []).append(pair)
    out = []
    for workflow in sorted(by_flow, key=lambda w: (w is None, w or "")):
        pairs = by_flow[workflow]
        labels: dict[str, set[str]] = {}
        for _, row in pairs:
            mine = labels.setdefault(row.key, set())
            mine.update(row.tags)
            if row.category is not None:
                mine.add(row.category)
        out.append(GoldGroup(workflow, len(pairs),
                             {k: frozenset(v) for k, v in labels.items()},
                             tuple(sorted({f for f, _ in pairs}))))
    return out
