"""What changed lines show: prompts, model settings, or nothing (comments never count)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.project.signals import Lang
from readiness.prompts import lines
from readiness.prompts.lines import MODEL, PROMPTS, Role, code_marks, line_kinds

PY, PY_LLM = Role("code", Lang.PYTHON), Role("code", Lang.PYTHON, llm=True)
JS, CONFIG = Role("code", Lang.JAVASCRIPT), Role("config", Lang.CONFIG, llm=True)


@pytest.mark.parametrize(("role", "line", "kinds"), [
    (PY, 'SYSTEM_PROMPT = """', {PROMPTS}),
    (PY, "MODEL = 'o1'", {MODEL}),
    (PY_LLM, "    temperature=0,", {MODEL}),
    (PY, "    temperature=0,", set()),  # only where the file talks to a model
    (PY, '    x = 1  # model="gpt-4o"', set()),  # in a comment
    (PY, "total = parse(text)", set()),
    (JS, "const a = b /* c */; const system = `Be brief`", {PROMPTS}),
    (JS, "const m = 'o3-mini';", {MODEL}),
    (CONFIG, "  - provider: openai:gpt-4.1  # cheaper", {MODEL}),
    (CONFIG, "# model: gpt-4o", set()),
    # re.IGNORECASE takes these letters for s and i: so must the cheap word test before it
    (CONFIG, "\u017fystem: Be brief", {PROMPTS}),
    (CONFIG, "\u0130NSTRUCTIONS: Be brief", {PROMPTS}),
])
def test_line_kinds(role: Role, line: str, kinds: set[str]) -> None:
    assert line_kinds([line], role) == kinds


@pytest.mark.parametrize(("text", "marks"), [
    # each kind of prompt line, and the model marks that come with some
    ('messages = [{"role": "system", "content": rules}]\n', (True, True)),
    ("reply = llm.invoke([SystemMessage(content=rules)])\n", (True, True)),
    ("summary_prompt = build(rules)\n", (False, True)),
    ('instructions = f"Answer in {language}"\n', (False, True)),
    ('MODEL = "o1"\n', (True, False)),
    # the words without a prompt line: no mark
    ("role = get_role(user)\n", (False, False)),
    ("used = usage.prompt_tokens\n", (False, False)),
    ('unit_system = "metric"\n', (False, False)),
    ('# system = "Be brief"\nx = 1\n', (False, False)),
    ("total = parse(text)\n", (False, False)),
])
def test_code_marks_each_kind_and_near_misses(text: str, marks: tuple[bool, bool]) -> None:
    assert code_marks(text, Lang.PYTHON) == marks


# A system message or a prompt template, as one regex: what ``code_marks`` and
# ``has_system_prompt`` searched with before their searches started with a literal
STRONG = re.compile(r"""["']?role["']?\s*:\s*["'](?:system|developer)["']|"""
                    r"\b(?:SystemMessage|ChatPromptTemplate|PromptTemplate)\b")

# Fragments the old and new searches can disagree on if the rewrite is wrong: the words
# inside longer names, boundaries, quotes, and the optional quote before "role".
_MARK_FRAGMENTS = ["role", '"role"', "'role':", ": ", ":", '"system"', "'developer'", "x",
                   "SystemMessage", "ChatPromptTemplate", "PromptTemplate", "FewShot",
                   "HumanMessagePromptTemplate", "SystemMessagePromptTemplate", "Chat", "_",
                   "system", "instructions", " = ", "=", "f'", '"', "`", "r", "prompt",
                   "PROMPT", "_tokens", " ", "\n", ".", "(", "sub"]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_MARK_FRAGMENTS), max_size=10).map("".join))
def test_the_searches_from_a_word_find_what_the_regexes_find(code: str) -> None:
    """``code_marks`` searches for a system message and each kind of prompt line with
    regexes that start with a literal: found exactly when the regexes written with a
    leading boundary or quote (``STRONG``, ``_PROMPT_LINE_KINDS``) find something."""
    assert any(p.search(code) for p in lines._STRONG_SEARCHES) is (
        STRONG.search(code) is not None)
    assert lines.has_system_prompt(code) is (STRONG.search(code) is not None)
    for (words, pattern), (same_words, searches) in zip(
            lines._PROMPT_LINE_KINDS, lines._PROMPT_LINE_GATED, strict=True):
        assert words == same_words
        assert any(p.search(code) for p in searches) is (
            re.search(pattern, code) is not None), pattern
