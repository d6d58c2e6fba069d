"""The substring gate every per-file scan runs first (``holds_any``): the same answer as
testing each word with ``in``, whichever way it scans (regex alternations, ``in``); and
``AtLineStart``: the same matches as ``^`` under ``re.M``."""

from __future__ import annotations

import datetime
import gc
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.project import Project, signals, sourcetext
from readiness.project.signals import windows
from readiness.project.sourcetext import _SHORT, AtLineStart, case_blind_holds_any, holds_any
from readiness.scan import ScanOptions, scan
from tests.conftest import MakeProject

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "pilot-app"

# Characters a regex would read as syntax, and words sharing first characters: an unescaped
# "(" or "." or a badly built alternation would show here.
ALPHABET = "ab(.)*+?[]|\\^$-_'\"`o\n "
words = st.lists(st.text(alphabet=ALPHABET, min_size=0, max_size=5), max_size=8)


def padded(text: str) -> str:
    return "x" * _SHORT + text  # long enough for the regex scans


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=60), words)
def test_same_answer_as_in_for_short_and_long_texts(text: str, found: list[str]) -> None:
    for body in (text, padded(text)):
        assert holds_any(body, found) is any(word in body for word in found)
        assert holds_any(body, tuple(found)) is any(word in body for word in found)


def test_words_of_one_first_character_and_long_lone_words() -> None:
    text = padded("client = openai.OpenAI()\nlog.bind(request_id=rid)\n")
    assert holds_any(text, ("ghp_", "gho_", ".bind("))  # "." group: a literal dot
    assert holds_any(text, ("Counter(", "OpenAI()"))  # "O": the parenthesis is literal
    assert holds_any(text, ("request_id",))  # a lone long word
    assert not holds_any(text, ("ghp_", "gho_", "github_pat_"))
    assert not holds_any(text, ("OpenAI(x)", "bind(*"))
    assert not holds_any(text, ())
    assert holds_any(text, ("",))  # as "" in text


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=60),
       st.lists(st.text(alphabet=ALPHABET, min_size=1, max_size=4), max_size=5),
       st.integers(0, 8))
def test_windows_gated_as_the_plain_search(text: str, anchors: list[str], window: int) -> None:
    for body in (text, padded(text)):
        gated = windows(body, tuple(anchors), window)
        with mock.patch.object(signals, "holds_any", lambda _text, _words: True):
            plain = windows(body, tuple(anchors), window)  # every anchor searched for
        assert gated == plain


LINES = st.lists(st.sampled_from(["def f", "  def g", "\tasync def h", "x = 1", "import os",
                                  "  from .a import (b,\n  c)", "# def no", "", " ", "defx"]),
                 max_size=8).map("\n".join)


@settings(max_examples=300, deadline=None)
@given(LINES)
def test_at_line_start_finds_what_the_multiline_caret_finds(text: str) -> None:
    for body in (r"[ \t]+(?:async[ \t]+)?def[ \t]+(\w+)",
                 r"[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]*)"
                 r"|import[ \t]+([^\n#;]*))"):
        assert AtLineStart(body).findall(text) == re.findall("^" + body, text, re.M)


def test_at_line_start_needs_a_group() -> None:
    with pytest.raises(ValueError, match="no group"):
        AtLineStart(r"def")


def test_generated_files_are_minified_or_have_a_source_map() -> None:
    from readiness.project.sourcetext import generated_files
    files = ["web/app.js", "web/app.js.map", "web/util.js", "static/lib.MIN.js",
             "styles/site.min.css", "styles/site.css", "docs/minimal.js", "src/map.py",
             "src/map.py.map"]
    assert generated_files(files) == {"web/app.js", "static/lib.MIN.js", "styles/site.min.css",
                                      "src/map.py"}


# A Vite chunk as gptme ships its web UI (webui-dist/assets/main-CjrRo2fn.js): one line
VITE_CHUNK = ('import{r as e,j as t}from"./vendor-react-B3xjnfOh.js";' +
              'const n=e.createContext(null);function o(){return t.jsx("div",{children:"x"})}' * 40
              + "export{o as default};\n")
# Vite output with license comments between its long lines (letta's index-048c9598.js)
LICENSED_BUNDLE = "".join(f"/**\n * @license React v18.2.0 part {i}\n */\n" + "var a=1;" * 90 + "\n"
                          for i in range(12))
HAND_WRITTEN = "".join(f"export function step{i}(state) {{\n  return {{ ...state, n: {i} }};\n}}\n"
                       for i in range(80))


def test_minified_scripts_are_told_by_their_long_lines() -> None:
    from readiness.project.sourcetext import minified
    assert minified(VITE_CHUNK)
    assert minified(LICENSED_BUNDLE)
    assert minified("var a=" + "1+" * 600 + "1;")  # one line of a kilobyte
    # must not: code as people write it, even with a long line of data in it
    assert not minified(HAND_WRITTEN)
    assert not minified(HAND_WRITTEN + "const KEY_TABLE = '" + "x" * 4000 + "';\n")
    assert not minified("module.exports = { presets: ['@babel/preset-env'] };")  # short


def test_a_bundle_is_generated_and_left_out_of_the_code_scans(make_project: MakeProject
                                                              ) -> None:
    from readiness.project.signals import search, sources
    root = make_project({"app/assets/main-CjrRo2fn.js": VITE_CHUNK,
                         "app/assets/vendor-Dl46dQVJ.js": LICENSED_BUNDLE,
                         "app/static/steps.js": HAND_WRITTEN,
                         "app/static/site.css": "a{color:red}" * 200,  # no scan reads it
                         "app/main.py": "print('hi')\n"})
    project = Project(root)
    assert project.generated == {"app/assets/main-CjrRo2fn.js", "app/assets/vendor-Dl46dQVJ.js"}
    assert {s.path for s in sources(project)} == {"app/static/steps.js", "app/main.py"}
    hits = search(Project(root), re.compile(r"return\b"), anchors=("return",))
    assert {h.path for h in hits} == {"app/static/steps.js"}


# ---- a kept text: one pass for every registered gate word (gate_words, keep_words_of) ----

def fresh(text: str) -> str:
    """An equal text that is a new object (a kept text is known by its identity)."""
    return (text + "\0")[:-1]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET + "é😀\udcff", max_size=60),
       st.lists(words, min_size=1, max_size=6),
       st.lists(st.text(alphabet=ALPHABET + "é😀\udcff", min_size=1, max_size=4), max_size=6),
       st.lists(st.text(alphabet=ALPHABET, min_size=1, max_size=4), max_size=12),
       st.booleans())
def test_a_kept_text_answers_as_in(text: str, questions: list[list[str]], registered: list[str],
                                   late: list[str], python: bool) -> None:
    """Registered words or not, registered before or after the text's pass (a few late
    words are looked for one by one, many make a new pass): the same answer as ``in``."""
    ask_kept(text, questions, registered, late, python, holds_any, lambda body: body)


def ask_kept(text: str, questions: list[list[str]], registered: list[str], late: list[str],
             python: bool, answer: Callable[[str, tuple[str, ...]], bool],
             searched: Callable[[str], str]) -> None:
    """Ask ``answer`` the questions of a kept text (and of the same text, short and not
    kept), some words registered before its pass and some after: each answer is that of
    ``in`` over ``searched(text)``."""
    sourcetext.gate_words(registered)
    for body in (fresh(text), padded(text)):  # a short text is not kept
        sourcetext.keep_words_of(body, "m.py" if python else "m.json")
        try:
            for at, question in enumerate(questions):
                if at == 2:
                    sourcetext.gate_words(late)
                asked = tuple(question) if at % 2 else tuple(registered) + tuple(question)
                assert answer(body, asked) is any(word in searched(body) for word in asked)
        finally:
            sourcetext.forget_words_of([body])


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=ALPHABET + "é😀\udcff", max_size=60),
       st.lists(st.text(alphabet=ALPHABET + "é😀\udcff", min_size=1, max_size=4), max_size=6),
       st.booleans(), st.booleans())
def test_the_words_found_in_a_text_are_those_in_finds(text: str, registered: list[str],
                                                      long: bool, kept: bool) -> None:
    """``words_found``: a bit for each registered word the text holds, in the order of
    ``vocabulary``, covering every word registered (a kept text or not, short or long)."""
    sourcetext.gate_words(registered)
    body = padded(text) if long else fresh(text)
    if kept:
        sourcetext.keep_words_of(body, "m.py")
    try:
        bits, covered = sourcetext.words_found(body)
        words_ = sourcetext.vocabulary()
        assert covered == len(words_)
        assert [bool(bits >> at & 1) for at in range(covered)] == [w in body for w in words_]
        if kept and long and registered:  # the pass serves the text's gates: no scan
            with mock.patch.object(sourcetext, "_gate", side_effect=AssertionError("a scan")):
                assert holds_any(body, tuple(registered)) is any(w in body for w in registered)
    finally:
        sourcetext.forget_words_of([body])


def test_a_kept_text_is_searched_once_for_registered_words() -> None:
    words_ = sourcetext.gate_words(("kept_alpha(", "kept_beta", "kept_gamma"))
    text = padded("x = kept_beta + 1\n")
    sourcetext.keep_words_of(text, "app/m.py")
    try:
        with mock.patch.object(sourcetext, "_gate", side_effect=AssertionError("a scan")):
            assert holds_any(text, words_)  # the pass, then look-ups only
            assert not holds_any(text, ("kept_alpha(", "kept_gamma"))
            assert holds_any(text, ("kept_gamma", "kept_beta"))
        assert not holds_any(text, ("kept_delta",))  # not registered: scanned as before
        other = fresh(text)  # equal, not kept: scanned as before
        assert holds_any(other, words_)
        assert id(other) not in sourcetext._KEPT
    finally:
        sourcetext.forget_words_of([text])
    assert id(text) not in sourcetext._KEPT


def test_another_file_is_searched_at_its_second_question() -> None:
    words_ = sourcetext.gate_words(("second_alpha", "second_beta"))
    text = padded("second_beta: 1\n")
    sourcetext.keep_words_of(text, "config.yaml")
    try:
        assert holds_any(text, words_)
        assert sourcetext._KEPT[id(text)].covered == 0  # asked once: no pass yet
        assert holds_any(text, words_)
        assert sourcetext._KEPT[id(text)].covered > 0
    finally:
        sourcetext.forget_words_of([text])


def test_a_project_forgets_its_texts(tmp_path: Path) -> None:
    """A text a per-file query reads in this process is kept until the project is released
    (or, never released, collected)."""
    (tmp_path / "m.py").write_text(padded("import openai\n"))
    project = Project(tmp_path, use_git=False)
    assert project.facts(["m.py"], "test.kept/1", len) == {"m.py": _SHORT + 14}
    text = project.text("m.py")
    assert text is not None and id(text) in sourcetext._KEPT
    project.release()
    assert id(text) not in sourcetext._KEPT
    project = Project(tmp_path, use_git=False)
    project.facts(["m.py"], "test.kept/1", len)
    text = project.text("m.py")
    assert text is not None and id(text) in sourcetext._KEPT
    kept = sourcetext._KEPT[id(text)]
    del project
    gc.collect()
    assert sourcetext._KEPT.get(id(text)) is not kept  # a project never released


def test_worker_start_up_registers_every_built_in_gate_word() -> None:
    """A word registered after a text's pass costs a search of its own: every module that
    registers gate words is imported by the worker processes before their first task."""
    script = textwrap.dedent("""
        import importlib, pkgutil
        import readiness
        from readiness.project import sourcetext, workers
        workers._start_up()
        before = set(sourcetext._VOCABULARY)
        for info in pkgutil.walk_packages(readiness.__path__, "readiness."):
            if not info.name.endswith("__main__"):
                importlib.import_module(info.name)
        print(sorted(set(sourcetext._VOCABULARY) - before))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_built_in_gates_ask_about_kept_texts_in_registered_words() -> None:
    """Each gate a built-in check runs on a kept file's text uses registered words: a new
    search with words written at its call would scan every file again."""
    unregistered: list[tuple[str, ...]] = []
    wanted = sourcetext._wanted

    def recording(asked: tuple[str, ...]) -> tuple[int, int] | None:
        found = wanted(asked)
        if found is None:
            unregistered.append(asked)
        return found

    with mock.patch.object(sourcetext, "_wanted", recording):
        scan(ScanOptions(EXAMPLE, cache_dir=None, jobs=1, date=datetime.date(2026, 11, 24)))
    assert unregistered == []


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET + "ABCÉİK😀\udcff", max_size=60),
       st.lists(words, min_size=1, max_size=6),
       st.lists(st.text(alphabet=ALPHABET + "AÉİ😀", min_size=1, max_size=4), max_size=6),
       st.lists(st.text(alphabet=ALPHABET, min_size=1, max_size=4), max_size=12),
       st.booleans())
def test_a_kept_text_answers_lower_questions_as_in(
        text: str, questions: list[list[str]], registered: list[str], late: list[str],
        python: bool) -> None:
    """``lower_holds_any``: the same answer as ``in`` over the lower-cased text, for words
    registered before or after the pass, in any case (İ lower-cases to two characters)."""
    ask_kept(text, questions, registered, late, python, sourcetext.lower_holds_any,
             str.lower)


def test_a_kept_text_is_lower_cased_and_searched_once() -> None:
    words_ = sourcetext.gate_words(("lower_alpha", "lower_beta", "lower_gamma"))
    text = padded("x = LOWER_Beta + 1\n")
    sourcetext.keep_words_of(text, "app/m.py")
    try:
        with mock.patch.object(sourcetext, "_gate", side_effect=AssertionError("a scan")):
            assert sourcetext.lower_holds_any(text, words_)  # the pass, then look-ups only
            assert not sourcetext.lower_holds_any(text, ("lower_alpha", "lower_gamma"))
            assert sourcetext.lower_holds_any(text, ("lower_gamma", "lower_beta"))
            assert not holds_any(text, ("lower_beta",))  # the text itself: another pass
        assert sourcetext._KEPT[id(text)].lower_covered == len(sourcetext.vocabulary())
    finally:
        sourcetext.forget_words_of([text])


CASE_WORDS = ("usage_event", "strategies", "kelvin")
CASE_BLIND = re.compile("|".join(CASE_WORDS), re.IGNORECASE)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["usage_event", "USAGE_EVENT", "u\u017fage_event", "strateg",
                                 "ies", "STRATEG\u0130ES", "strateg\u0131es", "\u212aelvin",
                                 "kelvi", "n", "\u00e9", "\u00c9", " ", "\n", "x"]), max_size=8)
       .map("".join))
def test_case_blind_holds_any_is_false_only_where_the_regex_cannot_match(text: str) -> None:
    """A gate before a case-blind regex: never False where the regex matches, on any text
    (the long s, dotless i and Kelvin sign match ASCII letters that lowering does not
    give), and exact on ASCII text."""
    found = CASE_BLIND.search(text) is not None
    if found:
        assert case_blind_holds_any(text, CASE_WORDS)
    if text.isascii():
        assert case_blind_holds_any(text, CASE_WORDS) is found


ASCII_TEXT = "ab-_k\n x"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ASCII_TEXT, max_size=120),
       st.lists(st.lists(st.text(alphabet=ASCII_TEXT, min_size=1, max_size=4), max_size=4),
                min_size=1, max_size=4),
       st.integers(0, 6))
def test_anchor_groups_give_each_groups_windows(text: str, groups: list[list[str]],
                                                window: int) -> None:
    """One automaton pass gives every group the windows its own search gives: anchors that
    overlap (``aa`` in ``aaa``), repeat in a group or across groups, lie inside an earlier
    window of theirs, at the text's ends."""
    found = signals.AnchorGroups(groups, window)
    for body in (text, padded(text), text + "é"):  # the last: not ASCII, searched per group
        assert found.windows(body) == tuple(windows(body, tuple(group), window)
                                            for group in groups)


def test_anchor_groups_trust_a_kept_texts_pass() -> None:
    """A kept text whose pass found none of the (registered) words is not searched again:
    the answer is that pass's, and it is the search's."""
    text = padded("api_key = 'x'\n")
    other = padded("nothing to see\n")
    found = signals.AnchorGroups([("sk-",), ("api_key",)])
    sourcetext.gate_words(found.words)
    for body in (text, other):
        sourcetext.keep_words_of(body, "app.py")
    try:
        with mock.patch.object(found, "_automaton_of", side_effect=AssertionError):
            assert found.windows(other) == ([], [])
        assert found.windows(text) == ([], [(0, len(text))])
    finally:
        sourcetext.forget_words_of([text, other])


def test_anchor_groups_refuse_an_empty_anchor() -> None:
    with pytest.raises(ValueError, match="empty anchor"):
        signals.AnchorGroups([("sk-", "")])


def test_anchor_groups_search_a_long_text_per_group() -> None:
    """A text longer than the automaton's bound (a file of nothing but anchors would list
    every occurrence at once) is searched per group, with the same windows."""
    found = signals.AnchorGroups([("sk-",), ("api_key",)])
    text = "sk-" * (signals.MAX_AUTOMATON_TEXT // 3 + 1) + "\napi_key = 'x'\n"
    with mock.patch.object(found, "_automaton_of", side_effect=AssertionError):
        assert found.windows(text) == (windows(text, ("sk-",)), windows(text, ("api_key",)))
    short = text[-200:]
    assert found.windows(short) == (windows(short, ("sk-",)), windows(short, ("api_key",)))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["import ", "openai", "zebra", "x", "\n", "é", "api_key", "sk-"]),
                max_size=40).map("".join))
def test_the_kept_pass_finds_each_word_across_its_pieces(text: str) -> None:
    """The pass over a kept text reads it a piece at a time (a listing of every occurrence
    is bounded): a word across two pieces is found, and the bits are exactly the words the
    text holds."""
    import readiness.checks  # noqa: F401 - registers the gate words of every scan

    sourcetext.gate_words(("openai", "api_key", "sk-", "import "))
    words, automaton = sourcetext._automaton()
    expected = sum(1 << at for at, word in enumerate(words) if word in text)
    for piece in (1, 3, 7, 1 << 14):
        with mock.patch.object(sourcetext, "_BITS_CHUNK", piece):
            assert sourcetext._bits_in(text, automaton) == expected
