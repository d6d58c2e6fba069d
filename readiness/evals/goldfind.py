"""Finding gold sets: in the folders teams keep them, and through the harness files that name
them. Nothing is run: Python is read with ``ast``, YAML with the safe loader.

Folders: ``evals/``, ``eval/``, ``evaluation(s)/``, ``datasets/``, ``golden/``, ``gold/``,
``testsets/`` and ``tests/data`` (or ``test/data``). Harness references, resolved next to
the file that names them, then from the repository's root, and only to files inside it:

- promptfoo configs: ``tests: file://cases.csv`` (a string, a glob or a list of them), and
  the inline ``tests:`` list of the config itself;
- Inspect AI task files: ``json_dataset("x.jsonl")``, ``csv_dataset("x.csv")``;
- DeepEval: ``dataset.add_test_cases_from_json_file(file_path=..., input_key_name=...,
  expected_output_key_name=...)`` and the ``_csv_file`` and ``add_goldens_from_*`` forms;
- a scoring script's default path: ``parser.add_argument(..., default="gold.jsonl")``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, NamedTuple

from readiness.errors import InputError
from readiness.evals.discover import EVAL_FOLDERS
from readiness.evals.gold import GoldRow, Keys, NotGold, read_gold
from readiness.project.snapshot import Gate, parse_python
from readiness.project.sourcetext import gate_words, holds_any

if TYPE_CHECKING:
    from readiness.project import Project

GOLD_FOLDERS = EVAL_FOLDERS | {"datasets", "dataset", "golden", "goldens", "gold", "testsets",
                               "test_sets", "eval_data", "evalsets"}
SUFFIXES = (".jsonl", ".json", ".csv", ".tsv", ".yaml", ".yml")
_SUFFIX_SET = frozenset(SUFFIXES)  # each holds one dot: a name ends with one when its last
# dot's suffix is one
_INSPECT = frozenset({"json_dataset", "csv_dataset"})
_DEEPEVAL = frozenset({"add_test_cases_from_json_file", "add_test_cases_from_csv_file",
                       "add_goldens_from_json_file", "add_goldens_from_csv_file"})
_ANCHORS = gate_words(("json_dataset", "csv_dataset", "_from_json_file", "_from_csv_file",
                       "add_argument"))
_PROMPTFOO_KEYS = frozenset({"prompts", "providers", "targets", "defaultTest"})
FACTS_QUERY = "evals.gold-refs/1"


class GoldFile(NamedTuple):
    """A gold set found: its rows, and the harness line that names it (if any)."""

    path: str
    rows: tuple[GoldRow, ...]
    named_by: str | None  # "promptfooconfig.yaml:7" when a harness names the file


class Ref(NamedTuple):
    """A data set a harness file names: the literal path, where, and key names given."""

    target: str
    line: int
    input_key: str | None = None
    expected_key: str | None = None


def find_gold(project: Project, results: frozenset[str],
              configured: Mapping[str, str]) -> tuple[GoldFile, ...]:
    """Every gold set in the project, the files in ``results`` (eval results) left out;
    ``configured`` gold sets (file -> workflow) are read wherever they are."""
    named: dict[str, tuple[str, Keys]] = {}
    for rel, ref in _references(project):
        for target in _resolve(project, rel, ref.target):
            named.setdefault(target, (f"{rel}:{ref.line}", Keys(ref.input_key,
                                                                 ref.expected_key)))
    candidates = []
    in_gold: dict[str, bool] = {}  # folder -> a gold folder (Home Assistant: 36,000 files
    # in 3,300 folders, 30,000 of them JSON or YAML)
    for rel in project.files:
        if rel[rel.rfind("."):].lower() not in _SUFFIX_SET:
            continue
        folder = rel.rpartition("/")[0]
        gold = in_gold.get(folder)
        if gold is None:
            gold = in_gold[folder] = _in_gold_folder(rel)
        if gold or rel in named or _is_promptfoo_config(rel):
            candidates.append(rel)
    candidates += [rel for rel in configured if rel in project.files]
    found: list[GoldFile] = []
    for rel in sorted(set(candidates) - results):
        via, keys = named.get(rel, (None, Keys()))
        if rel in configured:
            via = f"workflow {configured[rel]} in readiness.yaml"
        try:
            rows = read_gold(project.root / rel, rel, keys)
        except (NotGold, InputError):
            continue  # not a labelled data set (or not readable as one): not counted
        found.append(GoldFile(rel, tuple(rows), via))
    return tuple(found)


def _in_gold_folder(rel: str) -> bool:
    parts = rel.lower().split("/")[:-1]  # a str split: no path object per file
    if set(parts) & GOLD_FOLDERS:
        return True
    return any(a in ("tests", "test") and b in ("data", "fixtures_data")
               for a, b in zip(parts, parts[1:], strict=False))


def _is_promptfoo_config(rel: str) -> bool:
    return rel.rpartition("/")[2].lower().startswith("promptfooconfig")


def _resolve(project: Project, rel: str, target: str) -> list[str]:
    """Repository files a reference names, next to the naming file first, then from the root."""
    target = target.removeprefix("file://").strip()
    if not target or target.startswith(("/", "~")) or "://" in target:
        return []
    base = PurePosixPath(rel).parent
    for start in (base, PurePosixPath(".")):
        candidate = _clean(start / target)
        if candidate is None:
            continue
        if any(ch in candidate for ch in "*?["):
            matched = project.glob(candidate)
            if matched:
                return matched
        elif candidate in project.files:
            return [candidate]
    return []


def _clean(path: PurePosixPath) -> str | None:
    parts: list[str] = []
    for part in path.parts:
        if part in (".", ""):
            continue
        if part == "..":
            if not parts:
                return None  # outside the repository
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts) or None


def _references(project: Project) -> Iterator[tuple[str, Ref]]:
    python = [rel for rel in project.files if rel.endswith(".py")]
    for rel, refs in project.facts(python, FACTS_QUERY, python_refs,
                                   gate=Gate((_ANCHORS,), [])).items():  # python_refs
        for ref in refs:
            yield rel, Ref(*ref)
    for rel in project.files:
        if rel.lower().endswith((".yaml", ".yml")) and "promptfoo" in rel.lower():
            for ref in _promptfoo_refs(project, rel):
                yield rel, ref


def python_refs(text: str) -> list[tuple[str, int, str | None, str | None]]:
    """Data sets a Python file names (as plain tuples, to be kept in the facts cache)."""
    if not holds_any(text, _ANCHORS):
        return []
    tree = parse_python(text)
    if tree is None:
        return []
    found: list[tuple[str, int, str | None, str | None]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else (
            func.id if isinstance(func, ast.Name) else "")
        kwargs = {k.arg: _text(k.value) for k in node.keywords if k.arg}
        first = _text(node.args[0]) if node.args else None
        if name in _INSPECT:
            target = first or kwargs.get("json_file") or kwargs.get("csv_file")
            if target:
                found.append((target, node.lineno, None, None))
        elif name in _DEEPEVAL:
            target = kwargs.get("file_path") or first
            if target:
                found.append((target, node.lineno, kwargs.get("input_key_name"),
                              kwargs.get("expected_output_key_name")))
        elif name == "add_argument":
            target = kwargs.get("default")
            if target and target.lower().endswith(SUFFIXES):
                found.append((target, node.lineno, None, None))
    return found


def _text(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _promptfoo_refs(project: Project, rel: str) -> list[Ref]:
    from readiness import yamlsource
    from readiness.errors import ConfigError

    text = project.text(rel)
    if text is None or "tests" not in text:
        return []
    try:
        doc = yamlsource.load(text, rel)
    except ConfigError:
        return []
    data: Any = doc.data
    if not isinstance(data, dict) or not (_PROMPTFOO_KEYS & data.keys()):
        return []
    tests = data.get("tests")
    items = [tests] if isinstance(tests, str) else tests if isinstance(tests, list) else []
    refs = []
    for index, item in enumerate(items):
        if isinstance(item, str):
            where = doc.where(("tests",) if isinstance(tests, str) else ("tests", index))
            refs.append(Ref(item, where[0] if where else 1))
    return refs
