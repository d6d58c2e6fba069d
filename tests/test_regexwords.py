"""The words every match of a pattern needs (readiness.project.regexwords), and the config
index's key search that uses them: never a match lost."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from readiness.checks.adoption.rollouts import _SHARE_KEY
from readiness.checks.adoption.support import _CONTACT_LINK
from readiness.checks.infrastructure.alertrules import _RULE_KEY
from readiness.checks.infrastructure.observability import _COST_CONFIG
from readiness.checks.infrastructure.resilience import (
    _DLQ_KEY,
    _FALLBACK_KEY,
    _LIMIT_KEY,
    _QUEUE_NAME_KEY,
    _STRATEGY,
)
from readiness.checks.infrastructure.spend import _BUDGET_KEY
from readiness.checks.quality.feedbackconnector import _FEEDBACK_KEY

from readiness.project.configfiles import ConfigFile, ConfigIndex, Entry
from readiness.project.configrows import Kind
from readiness.project.llmtracing import _CALLBACK_KEY
from readiness.project.llmusage import _GATEWAY_KEY
from readiness.project.regexwords import (
    could_match,
    from_word,
    needed_words,
    needed_words_of,
)

# the key patterns the checks search the config index with, and patterns of every shape
# the words are read from
PATTERNS = [_SHARE_KEY, _CONTACT_LINK, _RULE_KEY, _COST_CONFIG, _DLQ_KEY, _FALLBACK_KEY,
            _LIMIT_KEY, _QUEUE_NAME_KEY, _STRATEGY, _BUDGET_KEY, _FEEDBACK_KEY, _CALLBACK_KEY,
            _GATEWAY_KEY] + [re.compile(p) for p in (
                r"(?i)rating|vote", r"x(?i:Score)y", r"(?>atomic)+z", r"(?:ab)++c", r"a{2,}b",
                r"(?:queue|topic)?name", r"(?<=model\.)name", r"(?=.*budget)max", r"[ab]cd",
                r"(a)(?(1)bb|cc)", r"(?x) spaced \s+ out  # a comment", r"(?i)\u212aey",
                r"(?i)model|", r"x*")]
FRAGMENTS = ["model", "list", "0", "1", "12", "litellm_params", "router_settings", "rpm",
             "general_settings", "database_url", "groups", "rules", "alert", "title", "max",
             "_end_user", "budget", "fallbacks", "context_window_", "strategy", "mode",
             "name", "queue", "Queue_Name", "topic", "redrive", "policy", "dead", "letter",
             "_target_arn", "rollout", "percentage", "share", "contact_links", "url",
             "config", "target", "environment", "success_callback", "callbacks", "feedback",
             "Scores", "score", "annotation", "RATING", "vote", "atomic", "ab", "c", "z", "spaced",
             "out", "Key", "\u212aey", "\u017fcore", "x", "y", ".", "_", "-", " "]


@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda p: p.pattern[:40])
def test_needed_words_are_lower_case_ascii_or_none(pattern: re.Pattern[str]) -> None:
    words = needed_words(pattern)
    assert words is None or all(w and w.isascii() and w == w.lower() for w in words)


def test_needed_words_of_the_checks_key_patterns() -> None:
    assert needed_words(_FEEDBACK_KEY) == ("annotation", "feedback", "rating", "score")
    assert needed_words(_QUEUE_NAME_KEY) == ("name", "queue", "topic")
    assert needed_words(_GATEWAY_KEY) == (".litellm_params.model",)
    assert needed_words(re.compile(r"(?i)model|")) is None  # a branch that needs nothing
    assert needed_words(re.compile(r"x*")) is None
    assert needed_words(re.compile(r"(?i)\u212aey")) is None  # the Kelvin sign is a k


def test_words_of_several_patterns_and_the_gate() -> None:
    """A union, without the words that hold another (the same gate, fewer tests); None
    when one pattern needs nothing. The gate lets through what it cannot judge."""
    assert needed_words_of(re.compile("vendored/"), re.compile("(?i)vendor|third")) == (
        "third", "vendor")
    assert needed_words_of(re.compile("abc"), re.compile("x*")) is None
    words = needed_words_of(re.compile("(?i)feedback"))
    assert could_match("app/Feedback.py", words) and not could_match("app/main.py", words)
    assert could_match("app/caf\u00e9.py", words)  # not ASCII: the pattern decides
    assert could_match("anything", None)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=9), st.sampled_from(PATTERNS))
@example(["Queue_Name"], _QUEUE_NAME_KEY)
@example(["\u017fcore"], _FEEDBACK_KEY)
def test_every_match_holds_a_needed_word(parts: list[str], pattern: re.Pattern[str]) -> None:
    text = "".join(parts)
    words = needed_words(pattern)
    if words is not None and text.isascii() and pattern.search(text):
        assert any(word in text.lower() for word in words)


def _index(keys: list[str]) -> ConfigIndex:
    files = [ConfigFile(f"c{n}.yaml", Kind.YAML, tuple(Entry(f"c{n}.yaml", line, key, "v")
                                                       for line, key in enumerate(part, 1)))
             for n, part in enumerate((keys[::2], keys[1::2]))]
    return ConfigIndex(files, ())


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=6).map("".join),
                max_size=30), st.sampled_from(PATTERNS))
@example(["model_list.0.litellm_params.model", "a\nname", "n\u00e4me.name", "x.name"],
         _QUEUE_NAME_KEY)
def test_index_key_search_finds_what_every_key_searched_finds(keys: list[str],
                                                              pattern: re.Pattern[str]) -> None:
    """Key paths without a needed word are not searched: the entries found are those a
    search of every entry finds (non-ASCII paths and paths with a newline included)."""
    index = _index(keys)
    every = [e for f in index.files for e in f.entries if pattern.search(e.key)]
    assert index.find(pattern) == every


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab_ c:=\"é1", max_size=40))
def test_word_first_searches_find_what_the_boundary_regex_finds(text: str) -> None:
    """``from_word``: searches that start with their word find something exactly when the
    ``\\b``-led alternation does (a word inside another, at the ends, after a non-ASCII
    letter; a ``then`` after it)."""
    for then in (r"\b", r"\s*[:=]"):
        searches = from_word("ab", "a_b", "c", then=then)
        whole = re.compile(rf"\b(?:ab|a_b|c){then}")
        assert any(s.search(text) for s in searches) is (whole.search(text) is not None)
