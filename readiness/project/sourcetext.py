"""A source file's text as the scans see it: its language, whether it is test code, and
its code with comments and Python docstrings blanked (offsets and line numbers kept), read
lazily. Pure functions of a path or a text: no project, no cache.
"""

from __future__ import annotations

import enum
import functools
import operator
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any


class Lang(enum.Enum):
    PYTHON = "python"
    JAVASCRIPT = "javascript"  # and TypeScript
    GO = "go"
    SHELL = "shell"  # shell scripts, Makefiles, Dockerfiles, Procfiles, .env and ini files
    CONFIG = "config"  # YAML, JSON, TOML, Terraform: as text, for settings anywhere
    SQL = "sql"


CODE = frozenset({Lang.PYTHON, Lang.JAVASCRIPT, Lang.GO})
ANY = frozenset(Lang)
_BY_SUFFIX = {
    ".py": Lang.PYTHON, ".js": Lang.JAVASCRIPT, ".mjs": Lang.JAVASCRIPT,
    ".cjs": Lang.JAVASCRIPT, ".ts": Lang.JAVASCRIPT, ".tsx": Lang.JAVASCRIPT,
    ".jsx": Lang.JAVASCRIPT, ".mts": Lang.JAVASCRIPT, ".go": Lang.GO, ".sh": Lang.SHELL,
    ".bash": Lang.SHELL, ".env": Lang.SHELL, ".ini": Lang.SHELL, ".cfg": Lang.SHELL,
    ".conf": Lang.SHELL, ".properties": Lang.SHELL, ".mk": Lang.SHELL, ".yaml": Lang.CONFIG,
    ".yml": Lang.CONFIG, ".toml": Lang.CONFIG, ".json": Lang.CONFIG, ".tf": Lang.CONFIG,
    ".tfvars": Lang.CONFIG, ".hcl": Lang.CONFIG, ".sql": Lang.SQL,
}
_SHELL_NAMES = re.compile(r"^(Makefile|Dockerfile.*|Containerfile|Procfile|\.env(\..*)?|"
                          r"justfile|Taskfile)$", re.IGNORECASE)
_TEST_DIRS = frozenset({"tests", "test", "testing", "__tests__", "spec", "specs"})
_TEST_FILE = re.compile(r"^(test_.*\.py|.*_test\.(py|go)|conftest\.py|.*\.(test|spec)\.[jt]sx?)$")


class Source:
    """A source file with its comments blanked (offsets kept). The text is read, blanked and
    split into lines on first use: most files never come near a match, and a file whose
    answers are known from an earlier run is not read at all. ``raw`` is the text, or what
    reads it given the path (one reader shared by every source of a project: Home
    Assistant lists 37,000 sources, and a function object each took 2.8 MB)."""

    __slots__ = ("path", "lang", "test", "keep", "_read", "_raw", "_code", "_starts", "_mark")

    def __init__(self, path: str, lang: Lang, raw: str | Callable[[str], str], test: bool,
                 keep: bool = False) -> None:
        self.path, self.lang, self.test, self.keep = path, lang, test, keep
        self._read = raw if callable(raw) else None
        self._raw = raw if isinstance(raw, str) else None
        self._code: str | None = None
        self._starts: list[int] | None = None
        self._mark = (0, 1)  # the last offset asked about and its line

    @property
    def raw(self) -> str:
        if self._raw is None:
            self._raw = self._read(self.path) if self._read is not None else ""
        return self._raw

    @property
    def code(self) -> str:
        if self._code is None:
            self._code = blank_comments(self.raw, self.lang, self.keep)
        return self._code

    @property
    def starts(self) -> list[int]:
        if self._starts is None:
            self._starts = [0, *(m.end() for m in _NEWLINE.finditer(self.code))]
        return self._starts

    def line_at(self, offset: int) -> int:
        """The 1-based line of ``offset``: newlines counted from the last offset asked about
        (matches come in order), with no list of line starts kept for every file."""
        at, line = self._mark
        if offset < at:
            at, line = 0, 1
        line += self.code.count("\n", at, offset)
        self._mark = (offset, line)
        return line

    def line(self, number: int) -> str:
        """The code of one 1-based line (comments blanked)."""
        if not 1 <= number <= len(self.starts):
            return ""
        end = self.starts[number] - 1 if number < len(self.starts) else len(self.code)
        return self.code[self.starts[number - 1]:end]


def language(rel: str) -> Lang | None:
    name = rel.rpartition("/")[2]
    if _SHELL_NAMES.match(name):
        return Lang.SHELL
    dot = name.rfind(".")
    return _BY_SUFFIX.get(name[dot:].lower()) if dot >= 0 else None


# UI text in one language per file, named by its language tag in a translations folder:
# ``translations/de.json``, ``locales/pt-BR.yaml``, ``i18n/select.zh-Hant.json``. Neither the
# config checks nor the text searches look for anything in UI strings, and a product can keep
# tens of thousands of them (Home Assistant: 27,000 files, 95% of its JSON). The secrets scan
# still reads them.
_TRANSLATION_FOLDERS = frozenset({"translations", "locales", "locale", "i18n", "l10n", "lang",
                                  "langs", "languages"})
_LANGUAGE_TAG = re.compile(r"(?:^|\.)[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")


def is_translation(rel: str) -> bool:
    """``rel`` is a language's UI strings: a file named by a language tag in a translations
    folder (``translations/en.json``, ``locales/pt_BR.yml``)."""
    folder, _, name = rel.rpartition("/")
    if folder.rpartition("/")[2].lower() not in _TRANSLATION_FOLDERS:
        return False
    return _LANGUAGE_TAG.search(name.rpartition(".")[0]) is not None


# A file a build wrote: a minified script or style sheet, or any file with its source map
# beside it (``chunks/app.4f2a.js`` and ``chunks/app.4f2a.js.map``: a bundler, a compiler).
# A published package often ships its built front end (Open WebUI: 371 bundled chunks of
# Svelte and its libraries); the scans that read code for what the team wrote skip them.
_MINIFIED = (".min.js", ".min.mjs", ".min.cjs", ".min.css")


def generated_files(files: Iterable[str]) -> frozenset[str]:
    """Those of ``files`` a build wrote by their names: minified, or with a source map
    beside them (``Project.generated`` adds those minified by their text)."""
    listed = set(files)
    return frozenset(rel for rel in listed
                     if f"{rel}.map" in listed or rel.lower().endswith(_MINIFIED))


# A bundler's output often has neither a .min name nor its source map beside it: gptme ships
# its web UI as Vite chunks (``webui-dist/assets/main-CjrRo2fn.js``), khoj its Next.js
# build, autogenstudio a Gatsby site, langchain-chatchat Swagger UI's bundle. Their lines
# run to thousands of characters: a script whose lines average more than 110 characters is
# minified (GitHub Linguist's rule for generated files). The corpus's hand-written scripts
# average 72 at most; its bundles 160 and more. (Style sheets are read by no scan: only
# scripts are looked at, so that no style sheet is read for this.)
MINIFIABLE = (".js", ".mjs", ".cjs")
MINIFIED_LINE = 110
MINIFIED_SIZE = 1024  # a shorter file is one line of a config as easily as a bundle


def minified(text: str) -> bool:
    """Is this script's text minified (long lines, see MINIFIED_LINE)?"""
    return len(text) >= MINIFIED_SIZE and len(text) > MINIFIED_LINE * (text.count("\n") + 1)


@functools.lru_cache(maxsize=65536)
def is_test_path(rel: str) -> bool:
    """Test code: under a tests/ folder, or named like a test module."""
    folder, _, name = rel.rpartition("/")
    return is_test_folder(folder) or is_test_name(name)


def is_test_folder(folder: str) -> bool:
    """Is ``folder`` (a relative path, "" for the root) a tests/ folder or inside one?"""
    return bool(folder) and not _TEST_DIRS.isdisjoint(folder.split("/"))


def is_test_name(name: str) -> bool:
    """Is ``name`` (a file's name) named like a test module?"""
    return bool(_TEST_FILE.match(name))


_PY_LINE = re.compile(r"""("(?:[^"\\\n]|\\.)*"?|'(?:[^'\\\n]|\\.)*'?)|(\#[^\n]*)""")
_JS_LINE = re.compile(r"""("(?:[^"\\\n]|\\.)*"?|'(?:[^'\\\n]|\\.)*'?|`(?:[^`\\]|\\.)*`?)"""
                      r"""|(//[^\n]*|/\*.*?\*/)""", re.DOTALL)
_TRIPLE_QUOTE = re.compile(r"\"\"\"|'''")
_NEWLINE = re.compile("\n")


def blank_comments(text: str, lang: Lang, keep: bool = False) -> str:
    """``text`` with comments (and Python docstrings) replaced by spaces, so that offsets
    and line numbers stay where they were. Other string literals are kept."""
    if keep:
        return text
    if lang in (Lang.JAVASCRIPT, Lang.GO):
        return _JS_LINE.sub(_blank_comment, text) if "/" in text else text
    if lang is Lang.PYTHON and _TRIPLE_QUOTE.search(text):
        text = _blank_docstrings(text)
    if "#" not in text:
        return text
    lines = text.split("\n")
    for i, line in enumerate(lines):
        at = line.find("#")
        if at < 0:
            continue
        if "'" not in line[:at] and '"' not in line[:at]:  # the common case: no string before
            lines[i] = line[:at] + " " * (len(line) - at)
        else:
            lines[i] = _PY_LINE.sub(_blank_comment, line)
    return "\n".join(lines)


def _blank_comment(match: re.Match[str]) -> str:
    comment = match.group(2)
    return match.group(0) if comment is None else blank(comment)


def blank(text: str) -> str:
    """Spaces for every character but newlines."""
    return "\n".join(" " * len(line) for line in text.split("\n"))


def _blank_docstrings(text: str) -> str:
    """Blank triple-quoted strings that open a line: docstrings, not values being assigned.
    Other triple-quoted strings are stepped over whole, so their insides stay as they are."""
    parts, done, at = [], 0, 0
    while True:
        match = _TRIPLE_QUOTE.search(text, at)
        if match is None:
            break
        close = text.find(match.group(0), match.end())
        end = len(text) if close < 0 else close + 3
        line_start = text.rfind("\n", 0, match.start()) + 1
        if not text[line_start:match.start()].strip(" \trRuUbB"):
            parts += [text[done:match.start()], blank(text[match.start():end])]
            done = end
        at = end
    return "".join(parts) + text[done:]


def statement_at(src: Source, line: int, max_lines: int = 8) -> str:
    """``signals.statement`` of a file's source: from ``line`` until its brackets balance."""
    lines, depth = [], 0
    for number in range(line, min(line + max_lines, len(src.starts) + 1)):
        text = src.line(number)
        lines.append(text)
        depth += sum(text.count(c) for c in "([{") - sum(text.count(c) for c in ")]}")
        if depth <= 0:
            break
    return "\n".join(lines)


def holds_any(text: str, words: Sequence[str]) -> bool:
    """Does ``text`` contain one of ``words``? (A substring test: the cheap gate run per
    file before a regular expression.)

    A text kept for the run (``keep_words_of``) is searched once for every registered gate
    word (``gate_words``), and its later questions about registered words are answered
    from what that pass found: a Python file meets some fifty gates in a scan, each a pass
    over its text. Other words are searched for as before. The answer is the same."""
    found = _kept_answer(text, words, lower=False)
    if found is not None:
        return found
    if len(text) < _SHORT:
        for word in words:  # noqa: SIM110 - runs per line; any() and a genexpr cost more
            if word in text:
                return True
        return False
    return any(test(text) for test in _gate(words if isinstance(words, tuple) else tuple(words)))


def known_holds_any(text: str, words: Sequence[str]) -> bool | None:
    """``holds_any(text, words)`` when it is known without a pass of its own over the text
    (a kept text, all of ``words`` registered: the kept pass's answer); else None."""
    return _kept_answer(text, words, lower=False)


def lower_holds_any(text: str, words: Sequence[str]) -> bool:
    """``holds_any(text.lower(), words)``: does the lower-cased text contain one of
    ``words`` (lower-case, or they cannot be there)? A kept text is lower-cased and searched
    for every registered word once, at its ``pass_at``-th such question, and its later
    questions in registered words are answered from what that pass found (feedback-loop
    asks four of every code file: one pass instead of four copies and their scans). The
    lower-cased copy is not kept. The answer is the same."""
    found = _kept_answer(text, words, lower=True)
    return holds_any(text.lower(), words) if found is None else found


# The letters a case-blind regex takes for an ASCII letter that ``str.lower`` does not turn
# into it: LATIN CAPITAL I WITH DOT ABOVE (lowered: "i" and a combining dot), DOTLESS I,
# LONG S; and the KELVIN SIGN, which it does (checked over all of Unicode)
_FOLDS_TO_ASCII = ("\u0130", "\u0131", "\u017f", "\u212a")


def case_blind_holds_any(text: str, words: Sequence[str]) -> bool:
    """Could a case-blind regex, every match of which holds one of ``words`` (lower-case
    ASCII) in some case, match ``text``? False only when it cannot: the lowered text holds
    none of them, and no letter that such a regex takes for an ASCII one but lowering does
    not. Exact on any text, where ``lower_holds_any`` is exact on ASCII text only."""
    return lower_holds_any(text, words) or (
        not text.isascii() and any(letter in text for letter in _FOLDS_TO_ASCII))


def _kept_answer(text: str, words: Sequence[str], *, lower: bool) -> bool | None:
    """Does the kept ``text`` (lower-cased when ``lower``) hold one of ``words``, as its
    pass found? None: the text is not kept, a word is not registered, or its pass is not
    due yet (the caller searches the text)."""
    kept = _KEPT.get(id(text))
    if kept is None or kept.text is not text:
        return None
    wanted = _wanted(words if isinstance(words, tuple) else tuple(words))
    if wanted is None:
        return None
    present = kept.lower_present(wanted[1]) if lower else kept.present(wanted[1])
    return None if present is None else bool(present & wanted[0])


def gate_words(words: Iterable[str]) -> tuple[str, ...]:
    """``words`` as a tuple, registered as words that ``holds_any`` is asked about: a gate's
    words are declared where they are defined (a module's constant), so that a kept text is
    searched for all of them in one pass before the scans ask (the worker processes import
    every module that registers some at start-up)."""
    chosen = tuple(words)
    with _LOCK:
        for word in chosen:
            if word and word not in _VOCABULARY:
                _VOCABULARY[word] = 1 << len(_VOCABULARY)  # registered words only grow
                _LONGEST[0] = max(_LONGEST[0], len(word.encode("utf-8", "surrogatepass")))
                _AUTOMATON.clear()
    return chosen


def keep_words_of(text: str, rel: str) -> None:
    """``text``, of the file ``rel``, lives for the rest of the run (kept by the scan): the
    gate words found in it may be remembered until ``forget_words_of``."""
    if len(text) >= _SHORT and id(text) not in _KEPT:  # a short text is scanned quickly
        # a Python file meets every gate of the code scans: its pass is made at its first
        # question; any other file's at its second (most are asked once or twice)
        _KEPT[id(text)] = _Kept(text, 1 if rel.endswith(".py") else 2)


def words_found(text: str) -> tuple[int, int]:
    """(the bits of the registered words ``text`` holds, how many registered words were
    searched for: the first that many, in the order of ``vocabulary()``). A kept text's
    pass is made now if it was not, and serves its later gates."""
    kept = _KEPT.get(id(text))
    if kept is not None and kept.text is text:
        return kept.search(), kept.covered
    words, automaton = _automaton()
    return (_bits_in(text, automaton) if words else 0), len(words)


def vocabulary() -> tuple[str, ...]:
    """The registered words, in the order of their bits (``words_found``)."""
    return _automaton()[0]


def forget_words_of(texts: Iterable[str]) -> None:
    """Stop remembering the words of ``texts`` (their owner lets them go)."""
    for text in texts:
        kept = _KEPT.get(id(text))
        if kept is not None and kept.text is text:
            del _KEPT[id(text)]


class _Kept:
    """A kept text and the registered words found in it (a bit each, by the order of their
    registration), searched for at its ``pass_at``-th question: a text asked once, as most
    non-Python files are, costs no more than before."""

    __slots__ = ("text", "asked", "pass_at", "covered", "found", "lower_asked",
                 "lower_covered", "lower_found")

    def __init__(self, text: str, pass_at: int) -> None:
        self.text = text
        self.asked = 0
        self.pass_at = pass_at
        self.covered = 0  # the number of registered words searched for
        self.found = 0  # the bits of those found
        self.lower_asked = 0  # the same for the lower-cased text (``lower_holds_any``)
        self.lower_covered = 0
        self.lower_found = 0

    def lower_present(self, need: int) -> int | None:
        """``present`` for the lower-cased text: its pass searches a lower-cased copy for
        every registered word (again, whole, for words registered since)."""
        if need <= self.lower_covered:
            return self.lower_found
        self.lower_asked += 1
        if self.lower_asked < self.pass_at:
            return None
        words, automaton = _automaton()
        self.lower_found = _bits_in(self.text.lower(), automaton)
        self.lower_covered = len(words)
        return self.lower_found

    def present(self, need: int) -> int | None:
        """The bits of the words found, once the first ``need`` registered words are
        searched for; None when the question is to be answered by searching the text."""
        if need <= self.covered:
            return self.found
        self.asked += 1
        if self.asked < self.pass_at:
            return None
        return self.search()

    def search(self) -> int:
        """Search the text for the registered words it was not searched for yet; the bits
        of those found."""
        words, automaton = _automaton()
        if self.covered == len(words):
            return self.found
        if self.covered and len(words) - self.covered <= _FEW_ADDED:
            # words registered since its pass (a module imported late): only they are
            # searched for, as they would have been without a pass
            for word in words[self.covered:]:
                if word in self.text:
                    self.found |= _VOCABULARY[word]
        else:
            self.found = _bits_in(self.text, automaton)
        self.covered = len(words)
        return self.found


def _bits_in(text: str, automaton: Any) -> int:
    """The bits of the registered words ``text`` holds: one pass of the automaton over its
    UTF-8 bytes (a word's bytes are found in them exactly where the word is in the text;
    every occurrence, overlapping ones too), and word ``n``'s bit is ``1 << n``.

    The pass lists every occurrence, so it reads at most _BITS_CHUNK bytes at a time, each
    piece overlapping the next by the longest word's length less one (no occurrence falls
    between two): a scanned file of nothing but a short word made a listing of millions
    (5 MB: 500 MB of memory)."""
    data = memoryview(text.encode("utf-8", "surrogatepass"))
    overlap = _LONGEST[0] - 1
    found: set[int] = set()
    for start in range(0, max(len(data), 1), _BITS_CHUNK):
        found.update(word for word, _, _ in automaton.find_matches_as_indexes(
            data[start:start + _BITS_CHUNK + overlap], overlapping=True))
    return functools.reduce(operator.or_, (1 << word for word in found), 0)


_BITS_CHUNK = 16 * 1024


_FEW_ADDED = 4  # words registered since a text's pass that are looked for one by one (a
# pass of ``in`` runs some five times faster than the automaton's)
_KEPT: dict[int, _Kept] = {}
_VOCABULARY: dict[str, int] = {}  # every registered gate word, and its bit
_LONGEST = [1]  # the byte length of the longest registered word
_LOCK = threading.Lock()
_AUTOMATON: list[tuple[tuple[str, ...], Any]] = []  # the searcher of the registered words


def _automaton() -> tuple[tuple[str, ...], Any]:
    """(the registered words, an Aho-Corasick automaton finding all of them in one pass,
    overlapping occurrences included), built again when words were registered since."""
    with _LOCK:
        if not _AUTOMATON:
            import ahocorasick_rs  # only where a text is searched this way

            words = tuple(_VOCABULARY)  # in the order of their bits
            # the DFA: built in a few ms for a few hundred words, and its pass over Home
            # Assistant's Python (33 MB) takes 0.11 s, against 0.72 s for pyahocorasick's
            automaton = ahocorasick_rs.BytesAhoCorasick(
                [word.encode("utf-8", "surrogatepass") for word in words],
                implementation=ahocorasick_rs.Implementation.DFA)
            _AUTOMATON.append((words, automaton))
        return _AUTOMATON[0]


def _wanted(words: tuple[str, ...]) -> tuple[int, int] | None:
    """(the bits of ``words``, how many registered words must be searched for to cover
    them), or None when one of them is not registered."""
    found = _MASKS.get(words)
    if found is None:
        if not words:
            return 0, 0
        bits = [_VOCABULARY.get(word, 0) for word in words]
        if not all(bits):
            return None
        found = (functools.reduce(operator.or_, bits, 0), max(bits).bit_length())
        if len(_MASKS) < 4096:  # words made at run time (a config's names) may be many
            _MASKS[words] = found
    return found


_MASKS: dict[tuple[str, ...], tuple[int, int]] = {}  # registered words: their bits never change


_SHORT = 1024  # characters: below this a regex's call costs more than the scans it saves


@functools.lru_cache(maxsize=1024)
def _gate(words: tuple[str, ...]) -> tuple[Callable[[str], object], ...]:
    """The scans ``holds_any`` runs over a whole file for ``words``, each a pass over the
    text: the words starting with one character make one literal alternation (the regex
    engine looks for that character, then tries the rest: one pass where ``in`` makes one
    per word), as does a lone word of up to 4 characters (for such needles the regex scan
    runs about twice as fast as ``in``); a lone longer word is found by ``in``, whose
    search skips ahead by the word's length. Same answer as testing each word with ``in``.
    """
    by_first: dict[str, list[str]] = {}
    for word in dict.fromkeys(words):
        by_first.setdefault(word[:1], []).append(word)
    tests: list[Callable[[str], object]] = []
    for group in by_first.values():
        if len(group) > 1 or len(group[0]) <= 4:
            tests.append(re.compile("|".join(map(re.escape, group))).search)
        else:
            tests.append(functools.partial(_contains, group[0]))
    return tuple(tests)


def _contains(word: str, text: str) -> bool:
    return word in text


class AtLineStart:
    """The matches of ``^body`` under ``re.M``, found fast: after each newline (a literal
    the regex engine skips to) and at the text's start, where ``^`` is a position the
    engine tries at every character. ``body`` has groups, and a match of it never ends
    with a newline; ``findall`` answers as ``re.findall`` does: a group's text, or a tuple
    of them, for each match in order."""

    def __init__(self, body: str) -> None:
        self._first = re.compile(body)
        self._after = re.compile("\n" + body)
        if not self._first.groups:
            raise ValueError(f"no group in {body!r}")

    def findall(self, text: str) -> list[Any]:
        first = self._first.match(text)
        if first is None:
            return self._after.findall(text)
        groups = first.groups("")
        return [groups if len(groups) > 1 else groups[0], *self._after.findall(text, first.end())]


def split_lines(text: str) -> list[str]:
    """The lines of ``text`` as editors, git and Python's parser number them: split at
    ``\\n`` only (texts are read with CRLF made LF). ``str.splitlines`` also splits at form
    feeds, U+2028 and other separators, which would shift every later line number: a
    finding or a suppression would point at the wrong line."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines
