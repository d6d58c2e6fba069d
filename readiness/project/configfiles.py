"""The repository's config files, parsed once per run into located key/value entries.

YAML (``configyaml``: every document of a stream, Helm templates best-effort), JSON
(``configjson``), TOML (``configtoml``) and Terraform (``hclscan``) become flat :class:`Entry`
records: the file, the line, a dotted key path (list items by index:
``groups.0.rules.1.alert``) and the scalar value. A check asks "is there a key/value like X"
and gets ``path:line``. A file that does not parse is skipped with a reason, never raised.
Nothing is executed.

Each file's entries are a function of its text alone (the rows of ``configrows``), kept between
runs by ``Project.facts``: an unchanged config file is neither read nor parsed again.
"""

from __future__ import annotations

import array
import bisect
import functools
import itertools
import re
from collections.abc import Collection, Iterable
from sys import intern
from typing import TYPE_CHECKING, Any, NamedTuple

from readiness.model import Evidence
from readiness.project.configjson import json_entries
from readiness.project.configrows import MAX_ENTRIES, Kind, Parsed, Row, Unparsable
from readiness.project.configtoml import toml_entries
from readiness.project.configyaml import YAML_PARSER, parse_yaml
from readiness.project.documents import OUTPUT_REASON, tool_output
from readiness.project.hclscan import HCL_PARSER, HclError, Scalar, scan_hcl
from readiness.project.regexwords import needed_words

if TYPE_CHECKING:
    from readiness.project import Project

__all__ = ["Block", "ConfigFile", "ConfigIndex", "Entry", "Scalar", "candidates", "config_index",
           "parse", "scalar_text", "scan_hcl"]
MAX_CONFIG_BYTES = 1024 * 1024  # bigger "config" is data (eval sets, lock files)
_NOT_CONFIG = frozenset({"package-lock.json", "npm-shrinkwrap.json", "composer.lock"})
_SUFFIX_KIND = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".toml": "toml",
                ".tf": "terraform", ".tfvars": "terraform", ".hcl": "terraform"}
# What a parse depends on besides the text: the parsers (their error messages differ).
_PARSERS = f"{YAML_PARSER}-{HCL_PARSER}-{MAX_ENTRIES}"


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


def _positions(config: ConfigFile) -> dict[tuple[int, str], int]:
    """Where each key of one file sits in its entries, for lookups without scanning."""
    position: dict[tuple[int, str], int] = {}
    for i, entry in enumerate(config.entries):
        position.setdefault((entry.doc, entry.key.lower()), i)
    return position


Matcher = str | re.Pattern[str] | None
_POSITION_BITS = 32
_POSITION_MASK = (1 << _POSITION_BITS) - 1


class ConfigIndex:
    """Every parsed config file of the repository, and the ones skipped with a reason."""

    def __init__(self, files: Collection[ConfigFile], skipped: Collection[tuple[str, str]]):
        self.files = tuple(files)
        self.skipped = tuple(skipped)
        self._by_path = {f.path: f for f in self.files}
        # built when first asked for (a big repository has hundreds of thousands of
        # entries, and most files are never looked into): per file, then for all files
        self._positions: dict[str, dict[tuple[int, str], int]] = {}
        self._by_leaf: dict[str, list[Entry]] | None = None
        # key path -> places of its entries (file number and position packed in one int: a
        # big repository has hundreds of thousands of entries)
        self._by_key: dict[str, int | array.array[int]] | None = None
        # the ASCII key paths lower-cased in one text, where each starts in it, the paths,
        # and the others (see _with_words)
        self._keyed: tuple[str, array.array[int], list[str], list[str]] | None = None

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
        if isinstance(key, re.Pattern):
            return self._find_pattern(key, value, kinds, paths)
        if isinstance(key, str):
            return [e for e in self._leaf_index().get(key.lower(), [])
                    if (kinds is None or self._by_path[e.path].kind in kinds)
                    and (paths is None or e.path in paths) and _matches_value(e, value)]
        found = []
        for config in self.files:
            if (kinds is not None and config.kind not in kinds) or \
                    (paths is not None and config.path not in paths):
                continue
            found += [e for e in config.entries if _matches_value(e, value)]
        return found

    def _leaf_index(self) -> dict[str, list[Entry]]:
        """Entries by their last key segment (lower-cased), in file order."""
        by_leaf = self._by_leaf
        if by_leaf is None:  # built whole before it is shared: checks run in two threads
            by_leaf = {}
            for config in self.files:
                for entry in config.entries:
                    by_leaf.setdefault(entry.leaf.lower(), []).append(entry)
            self._by_leaf = by_leaf
        return by_leaf

    def _position(self, config: ConfigFile, doc: int, key: str) -> int | None:
        positions = self._positions.get(config.path)
        if positions is None:
            positions = self._positions[config.path] = _positions(config)
        return positions.get((doc, key))

    def _find_pattern(self, key: re.Pattern[str], value: Matcher,
                      kinds: Collection[Kind] | None, paths: Collection[str] | None
                      ) -> list[Entry]:
        """``find`` for a key pattern: searched once per distinct key path (config files
        repeat their keys: every service's manifest has the same ones)."""
        by_key = self._by_key
        if by_key is None:  # built whole before it is shared: checks run in two threads
            by_key = {}
            for number, config in enumerate(self.files):
                for position, entry in enumerate(config.entries):
                    place = number << _POSITION_BITS | position
                    places = by_key.get(entry.key)
                    if places is None:  # most key paths are in one place: an int, no array
                        by_key[entry.key] = place
                    elif isinstance(places, int):
                        by_key[entry.key] = array.array("q", (places, place))
                    else:
                        places.append(place)
            self._by_key = by_key
        # filter() calls the pattern from C: Home Assistant has 44,000 distinct key paths;
        # with the words every match needs, only the paths holding one are searched
        hits = sorted(place for path in filter(key.search, self._with_words(key, by_key))
                      for place in _places(by_key[path]))  # file order, then entry order
        found = []
        for place in hits:
            config = self.files[place >> _POSITION_BITS]
            entry = config.entries[place & _POSITION_MASK]
            if (kinds is None or config.kind in kinds) and (
                    paths is None or entry.path in paths) and _matches_value(entry, value):
                found.append(entry)
        return found

    def _with_words(self, key: re.Pattern[str], by_key: dict[str, Any]) -> Iterable[str]:
        """The key paths that can match ``key``: those holding one of the words every match
        needs (``regexwords``), and those the words cannot judge; all when none are known.
        The paths are found by ``str.find`` in one lower-cased text of them all (built once:
        Home Assistant, 1.3 MB), 15 key patterns: 0.39 -> 0.05 s."""
        words = needed_words(key)
        if words is None:
            return by_key
        keyed = self._keyed
        if keyed is None:  # built whole before it is shared: checks run in two threads
            paths = [path for path in by_key if path.isascii() and "\n" not in path]
            text = "\n".join(paths).lower()
            starts = array.array("q", itertools.accumulate((len(p) + 1 for p in paths[:-1]),
                                                           initial=0))
            unjudged = [path for path in by_key if not path.isascii() or "\n" in path]
            keyed = self._keyed = (text, starts, paths, unjudged)
        text, starts, paths, unjudged = keyed
        found: set[int] = set()
        for word in words:
            at = text.find(word)
            while at >= 0:
                number = bisect.bisect_right(starts, at) - 1
                found.add(number)
                at = text.find(word, starts[number + 1] if number + 1 < len(starts) else
                               len(text))  # the next path: one hit per path is enough
        return [*(paths[number] for number in sorted(found)), *unjudged]

    def subtree(self, entry: Entry, prefix: str | None = None) -> list[Entry]:
        """Entries of the same document at or under ``prefix`` (default: the entry's key)."""
        config = self._by_path.get(entry.path)
        if config is None:
            return []
        prefix = entry.key if prefix is None else prefix
        under = prefix + "." if prefix else ""
        start = self._position(config, entry.doc, prefix.lower())
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
        at = self._position(config, entry.doc, wanted) if config else None
        return config.entries[at] if config and at is not None else None

    def blocks(self, *types: str) -> list[Block]:
        """Terraform blocks whose first label is one of ``types`` (all blocks without)."""
        return [b for f in self.files for b in f.blocks if not types or b.type in types]

    def block_entries(self, block: Block) -> list[Entry]:
        config = self._by_path.get(block.path)
        prefix = block.key + "."
        return [e for e in config.entries if e.key.startswith(prefix)] if config else []


def _places(places: int | array.array[int]) -> Iterable[int]:
    return (places,) if isinstance(places, int) else places


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
    translation = project.translation
    return [f for f in project.files if not translation(f) and _kind_of(f) is not None
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
        parsed.update(project.facts(files, f"configfiles.{kind}/2:{_PARSERS}",
                                    functools.partial(_parse_or_reason, kind), costly=True))
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


def parse(rel: str, text: str) -> ConfigFile:
    """Parse one config file by its suffix; raise :class:`Unparsable` with the reason."""
    return _config_file(rel, _parse_rows(_kind_of(rel), text))


def _config_file(rel: str, parsed: Parsed) -> ConfigFile:
    kind, rows, blocks = parsed
    return ConfigFile(rel, Kind(kind), tuple(Entry(rel, *row) for row in rows),
                      tuple(Block(rel, *block) for block in blocks))


def _parse_or_reason(kind: str, text: str) -> Parsed | str:
    """The parsed file, or why it could not be parsed."""
    if tool_output(text):
        return OUTPUT_REASON
    try:
        kind_name, rows, blocks = _parse_rows(kind, text)
    except Unparsable as exc:
        return str(exc)
    return kind_name, _shared_strings(rows), blocks


def _shared_strings(rows: tuple[Row, ...]) -> tuple[Row, ...]:
    """``rows`` with their key paths and short values interned: config files repeat them
    (every service's manifest has the same keys), and interned strings stay shared when
    the answer is stored and read back (Home Assistant: 75,000 entries, 44,000 distinct
    key paths)."""
    return tuple((line, intern(key), intern(value) if type(value) is str and len(value) <= 64
                  else value, doc) for line, key, value, doc in rows)


def _parse_rows(kind: str | None, text: str) -> Parsed:
    try:
        if kind == "yaml":
            return parse_yaml(text)
        if kind == "json":
            return Kind.JSON.value, tuple(json_entries(text)), ()
        if kind == "toml":
            return Kind.TOML.value, tuple(toml_entries(text)), ()
        if kind == "terraform":
            try:
                entries, blocks = scan_hcl(text)
            except HclError as exc:
                raise Unparsable(str(exc)) from None
            return (Kind.TERRAFORM.value, tuple((line, key, value, 0)
                                                for line, key, value in entries), tuple(blocks))
    except RecursionError:
        raise Unparsable("nested too deeply to read") from None
    raise Unparsable("not a config file type readiness reads")

