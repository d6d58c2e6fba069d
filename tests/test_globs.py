"""Globs from readiness.yaml and YAML checks: the same answers as a regular expression would
give, in time that cannot blow up on a pattern the repository wrote."""

from __future__ import annotations

from readiness.project.globs import glob_match


def test_globs_with_many_wildcards_match_without_backtracking() -> None:
    pattern = "**/" * 30 + "*a*a*a*a*a*a*a*b"  # folder-by-folder matcher, not a regex
    assert not glob_match("d/" * 20 + "a" * 250, pattern)
    assert glob_match("src/x/aaaaaaab", pattern)
    assert glob_match("axbxcxdxexf", "a*b*c*d*e*f") and not glob_match("a/bcdef", "a*b*c*d*e*f")
