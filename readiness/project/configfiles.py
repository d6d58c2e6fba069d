"""The repository's config files, parsed once per run into located key/value entries.

YAML (every document of a stream: Kubernetes manifests, CloudFormation and serverless.yml with
their custom tags, docker-compose, Prometheus and Grafana rule files; Helm templates with
``{{ }}`` best-effort), JSON, TOML and Terraform become flat :class:`Entry` records: the file,
the line, a dotted key path (list items by index: ``groups.0.rules.1.alert``) and the scalar
value. A check asks "is there a key/value like X" and gets ``path:line``. A file that does not
parse is skipped with a reason, never raised. Nothing is executed and YAML is only composed
(no object construction, so no tags are honoured).

Each file's entries are a function of its text alone, kept between runs by ``Project.facts``:
an unchanged config file is neither read nor parsed again.
"""

from __future__ import annotations

import bisect
import enum
import functools
import json
import re
import tomllib
from collections.abc import Collection, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

import yaml

from readiness.model import Evidence
from readiness.project.hclscan import HclBlock, Scalar, scan_hcl

if TYPE_CHECKING:
    from readiness.project import Project

__all__ = ["Block", "ConfigFile", "ConfigIndex", "Entry", "Kind", "Scalar", "Unparsable",
           "candidates", "config_index", "parse", "scalar_text", "scan_hcl"]
MAX_CONFIG_BYTES = 1024 * 1024  # bigger "config" is data (eval sets, lock files)
MAX_ENTRIES = 50_000
_NOT_CONFIG = frozenset({"package-lock.json", "npm-shrinkwrap.json", "composer.lock"})
_SUFFIX_KIND = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".toml": "toml",
                ".tf": "terraform", ".tfvars": "terraform", ".hcl": "terraform"}
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# What a parse depends on besides the text: the parsers (their error messages differ).
_PARSERS = f"{_LOADER.__name__}-{yaml.__version__}-{MAX_ENTRIES}"


class Kind(enum.Enum):
    """How a config file was read."""

    YAML = "yaml"
    JSON = "json"
    TOML = "toml"
    TERRAFORM = "terraform"
    TEMPLATE = "template"  # a Helm template that only a line scan could read


class Entry(NamedTuple):
    """One key in a config file: its dotted path, scalar value (None for a mapping/list)."""

    path: str
    line: int
    key: str
    value: Scalar
    doc: int = 0  # the document's index in a multi-document YAML stream

    @property
    def leaf(self) -> str:
        """The last segment of the key path."""
        return self.key.rpartition(".")[2]

    @property
    def parent(self) -> str:
        return self.key.rpartition(".")[0]

    def evidence(self, note: str = "") -> Evidence:
        return Evidence(self.path, self.line, note)


class Block(NamedTuple):
    """A Terraform block: ``resource "aws_sqs_queue" "jobs" {`` is kind resource, labels."""

    path: str
    line: int
    end_line: int
    kind: str
    labels: tuple[str, ...]

    @property
    def key(self) -> str:
        """The prefix its attributes' entries carry: ``resource.aws_sqs_queue.jobs``."""
        return ".".join((self.kind, *self.labels))

    @property
    def type(self) -> str:
        return self.labels[0] if self.labels else ""


class ConfigFile(NamedTuple):
    path: str
    kind: Kind
    entries: tuple[Entry, ...]
    blocks: tuple[Block, ...] = ()


class _Lookup:
    """Where each key of one file sits in its entries, for lookups without scanning."""

    def __init__(self, config: ConfigFile) -> None:
        self.position: dict[tuple[int, str], int] = {}
        self.by_leaf: dict[str, list[Entry]] = {}
        for i, entry in enumerate(config.entries):
            self.position.setdefault((entry.doc, entry.key.lower()), i)
            self.by_leaf.setdefault(entry.leaf.lower(), []).append(entry)


class Unparsable(Exception):
    """A config file that could not be read; the message is the reason it was skipped."""


Matcher = str | re.Pattern[str] | None


class ConfigIndex:
    """Every parsed config file of the repository, and the ones skipped with a reason."""

    def __init__(self, files: Collection[ConfigFile], skipped: Collection[tuple[str, str]]):
        self.files = tuple(files)
        self.skipped = tuple(skipped)
        self._by_path = {f.path: f for f in self.files}
        self._lookup = {f.path: _Lookup(f) for f in self.files}

    def file(self, path: str) -> ConfigFile | None:
        return self._by_path.get(path)

    def find(self, key: Matcher = None, value: Matcher = None, *,
             kinds: Collection[Kind] | None = None, paths: Collection[str] | None = None
             ) -> list[Entry]:
        """Entries whose key and value match, in file order.

        A string ``key`` must equal the last key segment (case-insensitively); a pattern is
        searched in the whole dotted path. A string ``value`` must equal the scalar's text
        (case-insensitively); a pattern is searched in it.
        """
        found = []
        for config in self.files:
            if (kinds is not None and config.kind not in kinds) or \
                    (paths is not None and config.path not in paths):
                continue
            candidates = self._lookup[config.path].by_leaf.get(key.lower(), []) \
                if isinstance(key, str) else config.entries
            found += [e for e in candidates if _matches_key(e, key) and _matches_value(e, value)]
        return found

    def subtree(self, entry: Entry, prefix: str | None = None) -> list[Entry]:
        """Entries of the same document at or under ``prefix`` (default: the entry's key)."""
        config = self._by_path.get(entry.path)
        if config is None:
            return []
        prefix = entry.key if prefix is None else prefix
        under = prefix + "." if prefix else ""
        start = self._lookup[entry.path].position.get((entry.doc, prefix.lower()))
        if start is None:
            return [e for e in config.entries if e.doc == entry.doc
                    and (e.key == prefix or e.key.startswith(under))]
        found = []  # entries are in document order: a subtree is one contiguous run
        for e in config.entries[start:]:
            if e.doc != entry.doc or not (e.key == prefix or e.key.startswith(under)):
                break
            found.append(e)
        return found

    def child(self, entry: Entry, name: str, prefix: str | None = None) -> Entry | None:
        """The entry ``<prefix>.<name>`` in the same document (prefix: the entry's parent)."""
        base = entry.parent if prefix is None else prefix
        wanted = (f"{base}.{name}" if base else name).lower()
        config = self._by_path.get(entry.path)
        at = self._lookup[entry.path].position.get((entry.doc, wanted)) if config else None
        return config.entries[at] if config and at is not None else None

    def blocks(self, *types: str) -> list[Block]:
        """Terraform blocks whose first label is one of ``types`` (all blocks without)."""
        return [b for f in self.files for b in f.blocks if not types or b.type in types]

    def block_entries(self, block: Block) -> list[Entry]:
        config = self._by_path.get(block.path)
        prefix = block.key + "."
        return [e for e in config.entries if e.key.startswith(prefix)] if config else []


def _matches_key(entry: Entry, key: Matcher) -> bool:
    if key is None:
        return True
    if isinstance(key, str):
        return entry.leaf.lower() == key.lower()
    return key.search(entry.key) is not None


def _matches_value(entry: Entry, value: Matcher) -> bool:
    if value is None:
        return True
    if entry.value is None:
        return False
    text = scalar_text(entry.value)
    if isinstance(value, str):
        return text.lower() == value.lower()
    return value.search(text) is not None


def scalar_text(value: Scalar) -> str:
    """A scalar as its config-file text: ``true`` rather than Python's ``True``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def config_index(project: Project) -> ConfigIndex:
    """The repository's config files, parsed once per run and shared by every check."""
    return project.shared("configfiles", _build)


def candidates(project: Project) -> list[str]:
    return [f for f in project.files if _kind_of(f) is not None
            and f.rpartition("/")[2] not in _NOT_CONFIG]


def _kind_of(rel: str) -> str | None:
    dot = rel.rfind(".")
    return _SUFFIX_KIND.get(rel[dot:].lower()) if dot > rel.rfind("/") else None


def _build(project: Project) -> ConfigIndex:
    by_kind: dict[str, list[str]] = {}
    too_big: set[str] = set()
    found = candidates(project)
    for rel in found:
        if project.size(rel) > MAX_CONFIG_BYTES:
            too_big.add(rel)
        else:
            by_kind.setdefault(_kind_of(rel) or "", []).append(rel)
    parsed: dict[str, Parsed | str] = {}
    for kind, files in by_kind.items():
        parsed.update(project.facts(files, f"configfiles.{kind}/1:{_PARSERS}",
                                    functools.partial(_parse_or_reason, kind)))
    configs, skipped = [], []
    for rel in found:
        answer = parsed.get(rel)
        if rel in too_big:
            skipped.append((rel, f"larger than {MAX_CONFIG_BYTES // 1024} KB; not a config file"))
        elif answer is None:
            skipped.append((rel, "not readable as text (binary, undecodable or unreadable)"))
        elif isinstance(answer, str):
            skipped.append((rel, answer))
            project.note_skipped(rel, f"config file not parsed: {answer}")
        else:
            configs.append(_config_file(rel, answer))
    return ConfigIndex(configs, skipped)


# One file parsed, as plain values that can be kept between runs: how it was read (a Kind's
# value), its entries as (line, key, value, document) and its Terraform blocks.
Row = tuple[int, str, Scalar, int]
Parsed = tuple[str, tuple[Row, ...], tuple[HclBlock, ...]]


def parse(rel: str, text: str) -> ConfigFile:
    """Parse one config file by its suffix; raise :class:`Unparsable` with the reason."""
    return _config_file(rel, _parse_rows(_kind_of(rel), text))


def _config_file(rel: str, parsed: Parsed) -> ConfigFile:
    kind, rows, blocks = parsed
    return ConfigFile(rel, Kind(kind), tuple(Entry(rel, *row) for row in rows),
                      tuple(Block(rel, *block) for block in blocks))


def _parse_or_reason(kind: str, text: str) -> Parsed | str:
    """The parsed file, or why it could not be parsed."""
    try:
        return _parse_rows(kind, text)
    except Unparsable as exc:
        return str(exc)


def _parse_rows(kind: str | None, text: str) -> Parsed:
    try:
        if kind == "yaml":
            return _parse_yaml(text)
        if kind == "json":
            return Kind.JSON.value, tuple(_json_entries(text)), ()
        if kind == "toml":
            return Kind.TOML.value, tuple(_toml_entries(text)), ()
        if kind == "terraform":
            entries, blocks = scan_hcl(text)
            return (Kind.TERRAFORM.value, tuple((line, key, value, 0)
                                                for line, key, value in entries), tuple(blocks))
    except RecursionError:
        raise Unparsable("nested too deeply to read") from None
    raise Unparsable("not a config file type readiness reads")


# ---- YAML ---------------------------------------------------------------------------------

_TEMPLATE_ACTION = re.compile(r"\{\{-?.*?-?\}\}")
_ONLY_ACTIONS = re.compile(r"^\s*(\{\{-?.*?-?\}\}\s*)+$")


def _parse_yaml(text: str) -> Parsed:
    templated = "{{" in text
    source = _untemplate(text) if templated else text
    try:
        entries: list[Row] = []
        for doc, node in enumerate(yaml.compose_all(source, Loader=_LOADER)):
            if node is not None:
                entries += _Flattener(doc).walk(node, "")
        return Kind.YAML.value, tuple(entries), ()
    except yaml.YAMLError as exc:
        if templated:  # a Helm template that the placeholders did not rescue: read its lines
            return Kind.TEMPLATE.value, tuple(_scan_yaml_lines(source)), ()
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise Unparsable(f"YAML syntax error{where}: {problem}") from None


def _untemplate(text: str) -> str:
    """Blank Helm/Go-template control lines and stand a placeholder in for inline actions."""
    out = []
    for line in text.split("\n"):
        if _ONLY_ACTIONS.match(line):
            out.append("")
        else:
            out.append(_TEMPLATE_ACTION.sub("TEMPLATED", line))
    return "\n".join(out)


class _Flattener:
    def __init__(self, doc: int) -> None:
        self.doc, self.count = doc, 0
        self.constructor = yaml.constructor.SafeConstructor()

    def walk(self, node: yaml.Node, key: str) -> list[Row]:
        self.count += 1
        if self.count > MAX_ENTRIES:  # also bounds alias expansion (YAML bombs)
            raise Unparsable(f"more than {MAX_ENTRIES} values (data, not config)")
        line = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            entries: list[Row] = [(line, key, None, self.doc)] if key else []
            for key_node, value_node in node.value:
                name = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
                child = f"{key}.{name}" if key else name
                if isinstance(value_node, yaml.ScalarNode):
                    entries.append((key_node.start_mark.line + 1, child,
                                    self.scalar(value_node), self.doc))
                    self.count += 1
                else:
                    sub = self.walk(value_node, child)
                    if sub and sub[0][1] == child:  # a container's line is its key's line
                        sub[0] = (key_node.start_mark.line + 1, *sub[0][1:])
                    entries += sub
            return entries
        if isinstance(node, yaml.SequenceNode):
            entries = [(line, key, None, self.doc)] if key else []
            for i, item in enumerate(node.value):
                entries += self.walk(item, f"{key}.{i}" if key else str(i))
            return entries
        return [(line, key or "0", self.scalar(node), self.doc)]

    def scalar(self, node: yaml.Node) -> Scalar:
        if not isinstance(node, yaml.ScalarNode):
            return None
        if not node.tag.startswith("tag:yaml.org,2002:"):
            return str(node.value)  # !Ref, !GetAtt, !Sub: keep the text
        try:
            value = self.constructor.construct_object(node, deep=True)
        except (ValueError, OverflowError, yaml.YAMLError):
            return str(node.value)
        return value if isinstance(value, str | int | float | bool) or value is None \
            else str(node.value)


_YAML_LINE = re.compile(r"^(\s*)(-\s+)?([\"']?[\w./@-]+[\"']?)\s*:(?:\s+(.*?))?\s*$")


def _scan_yaml_lines(text: str) -> Iterator[Row]:
    """Key paths by indentation, for templates that do not parse as YAML."""
    stack: list[tuple[int, str]] = []
    for number, line in enumerate(text.split("\n"), 1):
        match = _YAML_LINE.match(line.split(" #", 1)[0])
        if not match or line.lstrip().startswith("#"):
            continue
        indent = len(match.group(1)) + (len(match.group(2)) if match.group(2) else 0)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        name = match.group(3).strip("\"'")
        key = ".".join([k for _, k in stack] + [name])
        raw = match.group(4)
        yield number, key, raw.strip("\"'") if raw else None, 0
        stack.append((indent, name))


# ---- JSON and TOML ------------------------------------------------------------------------


_COLON = re.compile(r"\s*:")


def _json_entries(text: str) -> Iterator[Row]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        where = f" at line {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise Unparsable(f"invalid JSON{where}") from None
    # Keys appear in the text in the order a depth-first walk meets them, so a cursor that
    # only moves forward finds each key's line without a position-tracking parser.
    cursor = [0]
    starts = _line_starts(text)
    count = 0

    def line_of(key: str) -> int:
        quoted = json.dumps(key) if key.isascii() else f'"{key}"'
        found = text.find(quoted, cursor[0])
        while found >= 0 and not _COLON.match(text, found + len(quoted)):
            found = text.find(quoted, found + 1)  # the same text as a value, not a key
        if found >= 0:
            cursor[0] = found + 1
        return _line_at(starts, cursor[0])

    def walk(node: Any, key: str, line: int) -> Iterator[Row]:
        nonlocal count
        count += 1
        if count > MAX_ENTRIES:
            raise Unparsable(f"more than {MAX_ENTRIES} values (data, not config)")
        if isinstance(node, dict):
            if key:
                yield line, key, None, 0
            for name, value in node.items():
                yield from walk(value, f"{key}.{name}" if key else str(name), line_of(str(name)))
        elif isinstance(node, list):
            if key:
                yield line, key, None, 0
            for i, item in enumerate(node):
                yield from walk(item, f"{key}.{i}" if key else str(i), line)
        else:
            yield line, key or "0", node, 0

    yield from walk(data, "", 1)


_TOML_TABLE = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?")
_TOML_KEY = re.compile(r"^\s*([\w\"'.\- ]+?)\s*=")


def _toml_entries(text: str) -> Iterator[Row]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise Unparsable(f"invalid TOML: {exc}") from None
    lines: dict[str, int] = {}
    table = ""
    for number, line in enumerate(text.split("\n"), 1):
        header = _TOML_TABLE.match(line)
        if header:
            table = _toml_key(header.group(1))
            lines.setdefault(table, number)
            continue
        assign = _TOML_KEY.match(line)
        if assign:
            key = _toml_key(assign.group(1))
            lines.setdefault(f"{table}.{key}" if table else key, number)

    def line_for(key: str) -> int:
        plain = re.sub(r"\.\d+(?=\.|$)", "", key)  # array-of-tables indices are not in text
        while plain:
            if plain in lines:
                return lines[plain]
            plain = plain.rpartition(".")[0]
        return 1

    def walk(node: Any, key: str) -> Iterator[Row]:
        if isinstance(node, dict):
            if key:
                yield line_for(key), key, None, 0
            for name, value in node.items():
                yield from walk(value, f"{key}.{name}" if key else str(name))
        elif isinstance(node, list):
            yield line_for(key), key, None, 0
            for i, item in enumerate(node):
                yield from walk(item, f"{key}.{i}")
        else:
            value = node if isinstance(node, str | int | float | bool) else str(node)
            yield line_for(key), key, value, 0

    yield from walk(data, "")


def _toml_key(raw: str) -> str:
    return ".".join(part.strip().strip("\"'") for part in raw.split("."))


def _line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in re.finditer("\n", text)]


def _line_at(starts: list[int], offset: int) -> int:
    return bisect.bisect_right(starts, max(offset - 1, 0))
