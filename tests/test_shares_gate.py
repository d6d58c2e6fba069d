"""The adoption scans' gates, rewritten for speed, answer as before: the rollout-share scan
decides a flag file on lowered ASCII text an alternative at a time (``_flag_file``), as the
case-blind ``_FLAG_FILE`` does on the text; the rollout scan parses the files it did."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from readiness.checks.adoption.rollouts import _worth_parsing
from readiness.checks.adoption.shares import _FLAG_FILE, _flag_file, _flag_file_text

FRAGMENTS = ["flexibleRollout", "GradualRollout", "strategies", "Strategies:", "substrategies",
             "strategiesX", "feature_state", "FeatureStates", "feature_stat",
             "Percentage_Allocation",
             "unleash", "UNLEASH", "unleashed", "flagsmith", "LaunchDarkly", "growthbook",
             "rollout", "roll_out", "Rollouts", "_rollout", "rollout_", " ", "\n", "_", "-", ".",
             "x", "1", "(", "'"]
texts = st.lists(st.sampled_from(FRAGMENTS), max_size=12).map("".join)


# In code, a flag file by a flag service's parts or name: "strategies" and "rollout" alone
# are everyday words (the oracle of _flag_file(..., True)).
CODE_FLAG_FILE = re.compile(r"flexibleRollout|gradualRollout|feature_?states?|"
                            r"percentage_allocation|\bunleash\b|\bflagsmith\b|\blaunchdarkly\b|"
                            r"\bgrowthbook\b", re.IGNORECASE)
# _FLAG_FILE as first written, before it was built from its parts and names: the oracle.
OLD_FLAG_FILE = re.compile(r"flexibleRollout|gradualRollout|\bstrategies\b|feature_?states?|"
                           r"percentage_allocation|\bunleash\b|\bflagsmith\b|\blaunchdarkly\b|"
                           r"\bgrowthbook\b|\brollout\b", re.IGNORECASE)


@settings(max_examples=500, deadline=None)
@given(texts)
def test_flag_file_on_lowered_ascii_is_the_case_blind_regex(text: str) -> None:
    assert _flag_file(text.lower(), False) is (_FLAG_FILE.search(text) is not None)
    assert (_FLAG_FILE.search(text) is None) is (OLD_FLAG_FILE.search(text) is None)
    # in code, without the everyday words: the same as the case-blind reading of the text
    assert _flag_file(text.lower(), True) is _flag_file_text(text, True)
    assert _flag_file(text.lower(), True) is (CODE_FLAG_FILE.search(text) is not None)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([*FRAGMENTS, "\u017fTRATEGIES", "rollo\u212at", "\u00e9"]),
                max_size=8).map("".join))
def test_flag_file_beyond_ascii_is_the_case_blind_regex_as_written(text: str) -> None:
    assert (_FLAG_FILE.search(text) is None) is (OLD_FLAG_FILE.search(text) is None)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from([*FRAGMENTS, "\u017fTRATEGIES", "rollo\u212at", "\u00e9",
                                 "unl\u0130\u0131", "strateg\u0130es", "strateg\u0131es",
                                 "flag\u017fmith", "\u212aey", "gr\u00f6\u00dfe", "\u00c9T\u00c9"]),
                max_size=8).map("".join))
def test_the_flag_file_prefilter_beyond_ascii_changes_no_answer(text: str) -> None:
    """Non-ASCII text is searched by the case-blind regex only where it can match: the
    answer is the regex's alone, in code (an everyday word does not count) and elsewhere."""
    for python in (True, False):
        expected = any(not python or m.group(0).lower() not in ("strategies", "rollout")
                       for m in _FLAG_FILE.finditer(text))
        assert _flag_file_text(text, python) is expected


def test_a_letter_that_folds_to_ascii_still_makes_a_flag_file() -> None:
    """A dotless i, a long s, a dotted capital I: case-blind, these are ASCII letters that
    lowering does not give, so the prefilter lets such text through to the regex."""
    for text in ("gr\u00f6\u00dfe unlea\u017fh", "\u00e9 flag\u017fmith", "\u00e9 growthboo\u212a",
                 "\u00e9 \u0130 flag\u017fmith",
                 "\u00e9 GROWTHBOOK", "\u00e9 unleash"):
        assert _flag_file_text(text, True) is True
    assert _flag_file_text("\u00e9 strateg\u0131es", False) is True  # outside code: one
    assert _flag_file_text("\u00e9 rollout strategies", True) is False
    assert _flag_file_text("\u00e9 nothing here", False) is False


@pytest.mark.parametrize(("text", "parses"), [
    ('if client.is_enabled("new-ui", user):', True),
    ("flags.variation(f'model-{x}', ctx)", True),
    ('posthog.isEnabled(\n    "beta"', True),
    ('self.is_on(r"dark")', True),
    ('this_is_on("x")', False),  # another name ending in one
    ("is_on(state)", False),  # no string first: an entity's state, not a flag
    ('is_on ("x")', False),  # a space before the parenthesis is not matched either
    ("bucket = hash(user) % 100", True),  # bucketing by hand
    ("x = 7 % 100", False),
])
def test_rollout_files_worth_parsing(text: str, parses: bool) -> None:
    assert _worth_parsing(text) is parses
