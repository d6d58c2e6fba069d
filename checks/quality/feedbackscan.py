"""Per-file scans shared by the search for feedback captures (``feedbackcapture``) and for
their storage (``feedbackstore``): a search gated by words, and the functions of Python files.

Every per-file scan of feedback-loop is a function of the file's text alone, kept between runs
by ``Project.facts`` under a query naming the scan and its patterns: on a warm run an unchanged
file is not read. Which files to scan (by language, suffix, test or not) is decided by the
callers, never inside a scan.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Callable, Iterator, Sequence

from readiness.llmcalls.syntax import walk
from readiness.project import signals
from readiness.project.signals import Hit, Lang, query_name
from readiness.project.snapshot import Project, parse_python
from readiness.project.sourcetext import holds_any, lower_holds_any

Row = tuple[int, str]  # (line, matched text)
Function = tuple[str, int, int, int]  # name, first decorator line (0: none), def line, end


class Alternatives:
    """A regular expression of named alternatives, ``(?P<kind>...)|(?P<kind>...)``, searched
    one alternative at a time with the answers of the whole: at each position the first
    alternative that matches there, then on from the end of its match (a kind may have
    several entries, tried in turn).

    A regex with many alternatives, some starting with ``\\b`` or a word pattern, is tried
    at every position of a file; each alternative written to start with a literal (a word
    then ``(?<=\\bword)`` for its boundary) lets the engine skip ahead to it. An entry may
    name a literal every match of it holds: it is not searched in a text without it.
    """

    def __init__(self, entries: Sequence[tuple[str, str, str]]) -> None:
        self.entries = tuple(entries)  # (kind, regex, literal every match holds or "")
        self.pattern = repr(self.entries)  # names the searches in query names
        self.flags = 0
        self._compiled = tuple((kind, re.compile(regex), literal)
                               for kind, regex, literal in self.entries)

    def finditer(self, text: str) -> Iterator[tuple[re.Match[str], str]]:
        """(match, kind) of each match, in the order and extent of the whole regex's."""
        # each entry's next match from the position reached (None: it has no more)
        ahead: list[re.Match[str] | None] = [
            None if literal and literal not in text else regex.search(text)
            for _kind, regex, literal in self._compiled]
        while True:
            best, kind = None, ""
            for at, found in enumerate(ahead):  # the earliest; at a tie, the first entry
                if found is not None and (best is None or found.start() < best.start()):
                    best, kind = found, self._compiled[at][0]
            if best is None:
                return
            yield best, kind
            pos = best.end() if best.end() > best.start() else best.end() + 1
            for at, found in enumerate(ahead):  # those overtaken look again from there
                if found is not None and found.start() < pos:
                    ahead[at] = self._compiled[at][1].search(text, pos)


def gated_search(project: Project, pattern: re.Pattern[str] | Alternatives,
                 words: tuple[str, ...], langs: frozenset[Lang] = signals.CODE
                 ) -> tuple[Hit, ...]:
    """``signals.search`` for patterns too branchy to run over every file: only files whose
    lowercased code has one of ``words`` are searched (a substring test costs far less)."""
    def compute(project: Project) -> tuple[Hit, ...]:
        chosen = _chosen(project, langs)
        found: dict[str, tuple[tuple[int, str, str], ...]] = {}
        for files, query, search in _queries(project, chosen, pattern, words):
            found.update(project.facts(files, query, search))
        return tuple(Hit(s.path, *row) for s in chosen for row in found.get(s.path, ()))

    return project.shared(f"feedback.search:{pattern.pattern}", compute)


def search_later(project: Project, pattern: re.Pattern[str] | Alternatives,
                 words: tuple[str, ...], langs: frozenset[Lang] = signals.CODE) -> None:
    """Have the worker processes make ``gated_search``'s per-file searches in their idle
    moments, for a check that asks late in a cold run (``Project.facts_later``)."""
    if project.sends_later:  # else there is nothing to send, and no list to make
        for files, query, search in _queries(project, _chosen(project, langs), pattern,
                                             words):
            project.facts_later(files, query, search)


def _chosen(project: Project, langs: frozenset[Lang]) -> list[signals.Source]:
    return [s for s in signals.sources(project) if s.lang in langs and not s.test]


Query = tuple[list[str], str, Callable[[str], tuple[tuple[int, str, str], ...]]]


def _queries(project: Project, chosen: list[signals.Source],
             pattern: re.Pattern[str] | Alternatives, words: tuple[str, ...]) -> list[Query]:
    """(files, query, compute) of each kind of source (language, comments kept) among
    ``chosen``: the per-file searches of ``gated_search``. Each file is blanked once in a
    run, whichever search reaches it first (``signals.blanked_texts``: the text searches
    share them too; skyvern's feedback searches blanked the same 193 files three times)."""
    queries: list[Query] = []
    for lang, keep in sorted({(s.lang, s.keep) for s in chosen},
                             key=lambda kind: (kind[0].value, kind[1])):
        query = query_name("feedback.search/1", lang.value, keep, pattern.pattern,
                           pattern.flags, words)
        files = [s.path for s in chosen if s.lang is lang and s.keep is keep]
        queries.append((files, query, functools.partial(
            _search_text, lang=lang, keep=keep, pattern=pattern, words=words,
            blanked=signals.blanked_texts(project))))
    return queries


def _search_text(text: str, *, lang: Lang, keep: bool,
                 pattern: re.Pattern[str] | Alternatives, words: tuple[str, ...],
                 blanked: signals.Blanked | None = None) -> tuple[tuple[int, str, str], ...]:
    """(line, matched text, group name) of each match in one file with one of ``words``."""
    if not lower_holds_any(text, words):
        return ()  # blanking comments only removes text
    src = signals.blanked_source(text, lang, keep, blanked)
    if not holds_any(src.code.lower(), words):
        return ()
    if isinstance(pattern, Alternatives):
        return tuple((src.line_at(m.start()), m.group(0), kind)
                     for m, kind in pattern.finditer(src.code))
    return tuple((src.line_at(m.start()), m.group(0), m.lastgroup or "")
                 for m in pattern.finditer(src.code))


def functions_of(project: Project, files: Sequence[str]) -> dict[str, tuple[Function, ...]]:
    """The functions of these Python files, in ``ast.walk`` order; a file that does not
    parse has none and is noted."""
    found = parsed_functions(project, files)
    for rel, functions in found.items():
        if functions is None:
            project.note_skipped(rel, "Python that does not parse")
    return {rel: functions or () for rel, functions in found.items()}


def parsed_functions(project: Project, files: Sequence[str]
                     ) -> dict[str, tuple[Function, ...] | None]:
    """The functions of these Python files; None for a file that does not parse."""
    return project.facts(files, "feedback.functions/1", _python_functions, costly=True)


def _python_functions(text: str) -> tuple[Function, ...] | None:
    tree = parse_python(text)
    if tree is None:
        return None
    return tuple((node.name, min((d.lineno for d in node.decorator_list), default=0),
                  node.lineno, node.end_lineno or node.lineno) for node in walk(tree)
                 if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef))
