"""The substring gate every per-file scan runs first (``holds_any``): the same answer as
testing each word with ``in``, whichever way it scans (regex alternations, ``in``); and
``AtLineStart``: the same matches as ``^`` under ``re.M``."""

from __future__ import annotations

import re
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.project import signals
from readiness.project.signals import windows
from readiness.project.sourcetext import _SHORT, AtLineStart, holds_any

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
