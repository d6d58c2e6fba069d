"""Cheap text scans over the repository's source files, each computed once per run.

Comments and Python docstrings are blanked (``readiness.project.sourcetext``; other strings are
kept: config keys, queue names and environment variable names live in them). A search names
literals ("anchors") that every match contains; ``str.find`` locates them and the regex only
runs on the lines around them. Each file's matches are kept between runs by
``Project.facts``, and each search is shared under its pattern by ``Project.shared``: checks
that ask the same question share the answer. Test files are left out of code evidence unless
a search asks for them: a semaphore in a unit test limits nothing in production.

What is searched for lives beside it: import statements (``importscan``), LLM usage
(``llmusage``), LLM tracing (``llmtracing``), environment settings (``envsettings``).
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading
from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from readiness.evidence import from_config
from readiness.model import Evidence, Finding, Status
from readiness.project.documents import tool_outputs
from readiness.project.snapshot import Gate
from readiness.project.sourcetext import ANY as ANY
from readiness.project.sourcetext import CODE as CODE
from readiness.project.sourcetext import Lang as Lang
from readiness.project.sourcetext import Source as Source
from readiness.project.sourcetext import blank as blank
from readiness.project.sourcetext import blank_comments as blank_comments
from readiness.project.sourcetext import gate_words as gate_words
from readiness.project.sourcetext import holds_any, known_holds_any
from readiness.project.sourcetext import is_test_path as is_test_path
from readiness.project.sourcetext import language as language
from readiness.project.sourcetext import statement_at as statement_at

if TYPE_CHECKING:
    from readiness.config import Config
    from readiness.project import Project


class Hit(NamedTuple):
    """Where a pattern matched: the file, the 1-based line, the matched text and which
    named group of the pattern matched (its ``kind``; empty without named groups)."""

    path: str
    line: int
    text: str
    kind: str = ""

    def evidence(self, note: str = "") -> Evidence:
        return Evidence(self.path, self.line, note)


def sources(project: Project) -> tuple[Source, ...]:
    """Every source and config file, as comment-blanked text read when first used (once
    per run). Files that turn out to have no text (binary, unreadable) read as empty."""
    return project.shared("signals.sources", _list_sources)


def _list_sources(project: Project) -> tuple[Source, ...]:
    found = []
    translation = project.translation
    data = [rel for rel in project.files if rel.endswith(_WRITTEN_BY_TOOL)
            and not translation(rel) and language(rel) is not None]
    outputs = tool_outputs(project, data) if data else set()
    generated = project.generated
    read = functools.partial(_text_of, project)  # one reader for every source
    for rel in project.files:
        lang = language(rel)
        if lang is None or (lang is Lang.CONFIG and translation(rel)):
            continue  # a language's UI strings: no pattern looks for anything there
        if rel in generated:
            continue  # a build's output (a bundle, minified): not what the team wrote
        if rel in outputs:
            continue  # written by readiness: a baseline quotes every check's failure text
        found.append(Source(rel, lang, read, is_test_path(rel),
                            keep=rel.endswith(".json") or lang is Lang.SQL))
    return tuple(found)


# Formats readiness writes its reports in: such a file is read only if readiness did not write it
# (readiness.project.documents), so a committed baseline is not a dead-letter queue.
_WRITTEN_BY_TOOL = (".json", ".sarif", ".xml", ".html", ".md", ".txt")


def _text_of(project: Project, rel: str) -> str:
    return project.text(rel) or ""


WINDOW = 240  # characters either side of an anchor that a match may span


def search(project: Project, pattern: re.Pattern[str], *, langs: Collection[Lang] = CODE,
           tests: bool = False, anchors: Sequence[str] = (), window: int = WINDOW,
           require: Sequence[str] = (), within: Collection[str] | None = None
           ) -> tuple[Hit, ...]:
    """Every match of ``pattern`` in the chosen languages, once per run.

    ``anchors`` are literals of which every match contains one: the regex then only runs on
    the lines around their occurrences (found by ``str.find``, far faster than a regex over
    the whole file), ``window`` characters either side. Each anchor costs one pass over the
    files: few, distinctive anchors are best. Without anchors whole files are searched.
    ``require``: only files whose text holds one of these words are searched.
    ``within``: only these files are searched (when only hits in them would count).

    Each file's matches are a function of its text alone, so they are kept between runs by
    ``Project.facts``: an unchanged file is not searched (nor read) again.
    """
    wanted = frozenset(langs)
    spec = (pattern.pattern, pattern.flags, tuple(sorted(anchors)), window,
            tuple(sorted(require)))
    key = f"signals.search:{spec}:{sorted(lang.value for lang in wanted)}:{tests}"
    if within is not None:
        key += ":within:" + hashlib.sha256("\0".join(sorted(within)).encode(
            "utf-8", "surrogatepass")).hexdigest()

    # no anchor (or no required word) in a file: no match (``_search_text``)
    gate = Gate(tuple(tuple(words) for words in (anchors, require) if words), ()) \
        if anchors or require else None

    def compute(project: Project) -> tuple[Hit, ...]:
        found: dict[str, tuple[tuple[int, str, str], ...]] = {}
        chosen: list[Source] = []
        for (lang, keep), group in sources_by_kind(project).items():
            if lang not in wanted:
                continue
            picked = group if tests else [s for s in group if not s.test]
            if within is not None:
                picked = [s for s in picked if s.path in within]
            chosen += picked
            query = query_name("signals.search/1", lang.value, keep, *spec)
            found.update(project.facts([s.path for s in picked], query, functools.partial(
                _search_text, lang=lang, keep=keep, pattern=pattern, anchors=anchors,
                window=window, require=require, blanked=blanked_texts(project)), gate=gate))
        hits = [Hit(s.path, *row) for s in chosen if s.path in found for row in found[s.path]]
        hits.sort(key=lambda h: h.path)  # stable: each file's matches stay in order
        return tuple(hits)

    return project.shared(key, compute)


def sources_by_kind(project: Project) -> dict[tuple[Lang, bool], list[Source]]:
    """The sources by language and whether comments are kept, in path order, once per run."""
    def group(project: Project) -> dict[tuple[Lang, bool], list[Source]]:
        kinds: dict[tuple[Lang, bool], list[Source]] = {}
        for src in sources(project):
            kinds.setdefault((src.lang, src.keep), []).append(src)
        return kinds

    return project.shared("signals.kinds", group)


def query_name(*parts: object) -> str:
    """A short, fixed-size name for a per-file query and everything its answer depends on."""
    return f"{parts[0]}:{hashlib.sha256(repr(parts).encode()).hexdigest()[:20]}"


V = TypeVar("V")
class Blanked(dict[tuple[Lang, bool, str], Source]):
    """Texts blanked so far in this run, by language and text: each file once, whichever
    searches reach it. Pickled (a search sent to the fact worker) it is not copied: the
    receiving process uses its own."""

    def __reduce__(self) -> tuple[Callable[[], Blanked], tuple[()]]:
        return _worker_blanked, ()


_WORKER_BLANKED: list[Blanked] = []  # in a fact worker process only, for its one run


def _worker_blanked() -> Blanked:
    if not _WORKER_BLANKED:
        _WORKER_BLANKED.append(Blanked())
    return _WORKER_BLANKED[0]


def blanked_texts(project: Project) -> Blanked:
    """This run's blanked texts."""
    return project.shared("signals.blanked", lambda p: Blanked())


def blanked_source(text: str, lang: Lang, keep: bool, blanked: Blanked | None) -> Source:
    """The source of one file's text, taken from ``blanked`` when the same text was met
    before in this run (and kept there); without ``blanked``, a fresh one."""
    if blanked is None:
        return Source("", lang, text, False, keep)
    key = (lang, keep, text)
    found = blanked.get(key)
    if found is None:
        found = blanked[key] = Source("", lang, text, False, keep)
    return found


def _search_text(text: str, *, lang: Lang, keep: bool, pattern: re.Pattern[str],
                 anchors: Sequence[str], window: int, require: Sequence[str],
                 blanked: Blanked | None = None) -> tuple[tuple[int, str, str], ...]:
    """(line, matched text, group name) of each match of ``pattern`` in one file."""
    if anchors and not holds_any(text, anchors):
        return ()  # blanking only removes text: no anchor in the file, no match
    if require and not holds_any(text, require):
        return ()
    src = blanked_source(text, lang, keep, blanked)
    # the text holds an anchor (asked above, a look-up for a kept text): its code nearly
    # always does too, so the code is not gated again before the anchors are looked for
    regions = _windows(src.code, anchors, window) if anchors else [(0, len(src.code))]
    return tuple((src.line_at(match.start()), match.group(0), match.lastgroup or "")
                 for start, end in regions for match in pattern.finditer(src.code, start, end))


def windows(code: str, anchors: Sequence[str], window: int = WINDOW) -> list[tuple[int, int]]:
    """Whole lines around each anchor occurrence (+/- WINDOW characters), merged: where a
    regex whose every match contains an anchor needs to look."""
    if not holds_any(code, anchors):
        return []  # one pass or a few for all anchors; the loop below makes one each
    return _windows(code, anchors, window)


def _windows(code: str, anchors: Sequence[str], window: int) -> list[tuple[int, int]]:
    """``windows`` without its gate: one ``find`` pass per anchor."""
    found: list[tuple[int, int]] = []
    for anchor in anchors:
        at = code.find(anchor)
        while at >= 0:
            start = code.rfind("\n", 0, max(0, at - window)) + 1
            end = code.find("\n", at + len(anchor) + window)
            end = len(code) if end < 0 else end
            found.append((start, end))
            at = code.find(anchor, end)  # occurrences inside this window are covered
    return _merged(found)


def _merged(found: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans of ``found`` merged where they meet or overlap, in order."""
    found.sort()
    merged: list[tuple[int, int]] = []
    for start, end in found:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


# The longest text ``AnchorGroups`` searches with its automaton, which lists every occurrence
# of every anchor at once: a file of nothing but anchors is one row each (5 MB of "sk-": 1.7
# million rows, 270 MB of a worker's memory; at this size about 3 MB). Longer texts are a
# few per cent of a big repository's bytes (Home Assistant: 21 of 36,000 files, 6 per cent).
MAX_AUTOMATON_TEXT = 64 * 1024


class AnchorGroups:
    """``windows`` for several groups of anchors in one text (a scan for several kinds of
    match, each with its own anchors), found by one pass for all their words instead of a
    few for each group: an Aho-Corasick automaton over an ASCII text (where a character's
    index is its byte's), whose every occurrence of each anchor stands in for ``find``'s.
    The windows are exactly ``windows(text, group, window)`` for each group. A kept text
    whose pass found none of the words (``gate_words`` registered them) is not searched."""

    def __init__(self, groups: Sequence[Sequence[str]], window: int = WINDOW) -> None:
        self.groups = tuple(tuple(group) for group in groups)
        self.words = tuple(dict.fromkeys(word for group in self.groups for word in group))
        if not all(self.words):
            raise ValueError("an empty anchor")
        self.window = window
        self._ascii = all(word.isascii() for word in self.words)
        self._automaton: list[object] = []  # built at the first text, once (a lock)
        self._lock = threading.Lock()

    def windows(self, text: str) -> tuple[list[tuple[int, int]], ...]:
        """The windows of each group (in order) in ``text``."""
        if not (text.isascii() and self._ascii) or len(text) > MAX_AUTOMATON_TEXT:
            # (``isascii`` is a flag: no pass) a text that is not ASCII has other offsets
            # in its bytes; a long one is searched per group, whose ``find`` skips the
            # anchors inside a window: the automaton gives every occurrence at once
            return tuple(windows(text, group, self.window) for group in self.groups)
        if known_holds_any(text, self.words) is False:
            return tuple([] for _ in self.groups)  # a kept text's pass found none
        at: dict[str, list[int]] = {}
        for word, start, _end in self._automaton_of().find_matches_as_indexes(
                text.encode("ascii"), overlapping=True):
            # by their end: one anchor's occurrences come in order
            at.setdefault(self.words[word], []).append(start)
        if not at:
            return tuple([] for _ in self.groups)
        return tuple(self._group_windows(text, group, at) for group in self.groups)

    def _group_windows(self, code: str, group: tuple[str, ...], at: dict[str, list[int]]
                       ) -> list[tuple[int, int]]:
        """``_windows`` from the occurrences found: each anchor's first occurrence, then its
        first past the end of the window before (as ``find`` from there), and so on."""
        window = self.window
        found: list[tuple[int, int]] = []
        for anchor in group:
            end = 0
            for place in at.get(anchor, ()):
                if place < end:
                    continue  # inside this anchor's window before: covered
                start = code.rfind("\n", 0, max(0, place - window)) + 1
                end = code.find("\n", place + len(anchor) + window)
                end = len(code) if end < 0 else end
                found.append((start, end))
        return _merged(found)

    def _automaton_of(self) -> Any:
        if self._automaton:
            return self._automaton[0]
        with self._lock:
            if not self._automaton:
                import ahocorasick_rs  # only where a text is searched this way

                self._automaton.append(ahocorasick_rs.BytesAhoCorasick(
                    [word.encode("ascii") for word in self.words],
                    implementation=ahocorasick_rs.Implementation.DFA))
            return self._automaton[0]


def source(project: Project, rel: str) -> Source | None:
    by_path = project.shared("signals.by_path", lambda p: {s.path: s for s in sources(p)})
    return by_path.get(rel)


def statement(project: Project, hit: Hit, *, max_lines: int = 8) -> str:
    """The code from the hit's line until its brackets balance (at most ``max_lines``)."""
    found = source(project, hit.path)
    return "" if found is None else statement_at(found, hit.line, max_lines)


def mentions(project: Project, rel: str, word: str) -> bool:
    """Does the (comment-blanked) file contain ``word``?"""
    found = source(project, rel)
    return found is not None and word in found.code


def at_lines(project: Project, hits: Sequence[Hit], query: str,
             judge: Callable[[Source, int], V]) -> dict[tuple[str, int], V]:
    """``judge(source, line)`` at each hit's line, kept between runs per file and lines:
    a file is read only when its text (or the lines asked about) changed. ``query`` names
    ``judge`` and everything it depends on besides the text."""
    lines: dict[str, set[int]] = {}
    for hit in hits:
        lines.setdefault(hit.path, set()).add(hit.line)
    found: dict[tuple[str, int], V] = {}
    for rel, wanted in lines.items():
        src = source(project, rel)
        if src is None:
            continue
        asked = tuple(sorted(wanted))
        answers = project.facts([rel], query_name(query, src.lang.value, src.keep, asked),
                                functools.partial(_judge_lines, judge=judge, lang=src.lang,
                                                  keep=src.keep, lines=asked)).get(rel)
        if answers is None:
            continue  # no text: nothing to judge
        found.update(((rel, line), answer) for line, answer in zip(asked, answers, strict=True))
    return found


def _judge_lines(text: str, *, judge: Callable[[Source, int], V], lang: Lang, keep: bool,
                 lines: tuple[int, ...]) -> tuple[V, ...]:
    src = Source("", lang, text, False, keep)
    return tuple(judge(src, line) for line in lines)


# ---- turning hits into findings ----------------------------------------------------------


def code_or_config(project: Project, config: Config, name: str, partial: Finding | None,
                   missing: Finding) -> Finding:
    """What the code shows when it is only part of the story: a passing ``evidence.<name>``
    in readiness.yaml wins, then the partial finding from code, then the configured
    evidence as judged (a claim, a missing path), then ``missing``."""
    configured = from_config(project, config, name)
    if configured is not None and configured.status is Status.PASS:
        return configured
    return partial or configured or missing


def vendors(hits: Sequence[Hit]) -> str:
    return ", ".join(dict.fromkeys(h.kind for h in hits))


def first_per_kind(hits: Sequence[Hit]) -> list[Hit]:
    """The first hit (in file order) of each kind, in file order."""
    seen: dict[str, Hit] = {}
    for hit in sorted(hits, key=lambda h: (h.path, h.line, h.kind)):
        seen.setdefault(hit.kind, hit)
    return sorted(seen.values(), key=lambda h: (h.path, h.line, h.kind))


def listing(hits: Sequence[Hit]) -> tuple[str, list[Evidence]]:
    """``kind (path:line), ...`` for the first hit of each kind, and their evidence."""
    first = first_per_kind(hits)
    text = ", ".join(f"{h.kind} ({h.path}:{h.line})" for h in first)
    return text, list(dict.fromkeys(h.evidence() for h in first))

