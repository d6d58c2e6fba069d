"""adoption's rollout-share scan decides a flag file on lowered ASCII text an alternative at a
time (``_flag_file``): the same answer as the case-blind ``_FLAG_FILE`` on the text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from readiness.checks.adoption.shares import _FLAG_FILE, _flag_file

FRAGMENTS = ["flexibleRollout", "GradualRollout", "strategies", "Strategies:", "substrategies",
             "strategiesX", "feature_state", "FeatureStates", "feature_stat",
             "Percentage_Allocation",
             "unleash", "UNLEASH", "unleashed", "flagsmith", "LaunchDarkly", "growthbook",
             "rollout", "roll_out", "Rollouts", "_rollout", "rollout_", " ", "\n", "_", "-", ".",
             "x", "1", "(", "'"]
texts = st.lists(st.sampled_from(FRAGMENTS), max_size=12).map("".join)


@settings(max_examples=500, deadline=None)
@given(texts)
def test_flag_file_on_lowered_ascii_is_the_case_blind_regex(text: str) -> None:
    assert _flag_file(text.lower()) is (_FLAG_FILE.search(text) is not None)
