"""The gate words of a file found in one pass (``wordsets``): the gates answer exactly as a
substring test does, whether the words were declared, declared late or not at all, and the
worker processes know the words this process declared."""

from __future__ import annotations

import datetime
import os
import shutil
import uuid
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.project import Project, sourcetext, wordsets, workers
from readiness.project.sourcetext import _SHORT, holds_any
from readiness.project.wordsets import Held, declare, focus, gate_words, held
from tests.conftest import MakeProject

ALPHABET = "ab_(.'\"é\n"
_DECLARED = gate_words("ab", "b_(", "a.'", "é\n", "(.", '"a')


@pytest.fixture(autouse=True)
def no_focus() -> None:
    focus(None, None)


@settings(max_examples=200, deadline=None)
@given(st.text(ALPHABET, min_size=_SHORT, max_size=_SHORT + 200),
       st.lists(st.lists(st.text(ALPHABET, min_size=1, max_size=4), min_size=1, max_size=4),
                min_size=1, max_size=6))
def test_focused_gates_answer_as_a_substring_test(text: str, gates: list[list[str]]) -> None:
    """Gates on the focused text, some of declared words, some of words never declared: each
    answers as ``in`` does, the first ask (no scan yet) and every later one (a bit test)."""
    focus(text, Held())
    for words in [list(_DECLARED[:2]), *gates, list(_DECLARED[2:]), *gates]:
        assert holds_any(text, words) is any(word in text for word in words)


@settings(max_examples=100, deadline=None)
@given(st.text(ALPHABET, min_size=_SHORT, max_size=_SHORT + 50), st.integers(1, 6))
def test_a_text_scanned_in_slices_finds_the_words_across_their_edges(text: str, chunk: int
                                                                       ) -> None:
    """A big text goes to the automaton in overlapping slices (it copies its input at four
    bytes a character): a word across a slice's edge is found all the same."""
    with mock.patch.object(wordsets, "CHUNK", chunk):
        found = wordsets._scan(text)
    assert found is not None
    known, present = found
    for word in _DECLARED:
        assert bool(present & wordsets._BITS[word]) is (word in text)


def test_the_second_ask_scans_once_and_later_asks_are_bit_tests() -> None:
    text = "x" * _SHORT + " ab b_( "
    file = Held()
    focus(text, file)
    assert held(text, ("ab",)) is None and file.found is None  # once: not worth a pass
    assert held(text, ("ab", "(.")) is True and file.found is not None
    assert held(text, ("(.",)) is False
    assert held(text, ("a.'", '"a')) is False
    assert held(text, ("ab", "never declared " + uuid.uuid4().hex)) is None  # cannot say


def test_a_word_declared_after_the_scan_is_not_answered_from_the_mask() -> None:
    late = "late-" + uuid.uuid4().hex
    text = "x" * _SHORT + f" ab {late} "
    file = Held()
    focus(text, file)
    held(text, ("ab",))
    assert held(text, ("ab",)) is True  # scanned now, without the late word
    declare((late,))
    assert held(text, (late,)) is None  # its bit is beyond the scan's words
    assert holds_any(text, (late,)) is True  # the gate's own passes answer
    again = Held()
    focus(text, again)
    held(text, (late,))
    assert held(text, (late,)) is True  # a new scan knows it


def test_only_the_focused_text_answers_from_the_mask() -> None:
    text = "x" * _SHORT + " ab "
    file = Held()
    focus(text, file)
    held(text, ("ab",))
    held(text, ("ab",))
    copy = "".join([text[:10], text[10:]])  # the same characters, another object
    assert copy == text and copy is not text
    assert held(copy, ("ab",)) is None
    focus(text, None)  # a text not kept (a translation): no scan, no count
    assert held(text, ("ab",)) is None and held(text, ("ab",)) is None


def test_without_the_automaton_every_gate_makes_its_own_passes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wordsets, "_AUTOMATON", [(False, 0, 1)])  # as when the import failed
    text = "x" * _SHORT + " ab "
    focus(text, Held())
    assert held(text, ("ab",)) is None and held(text, ("ab",)) is None
    assert holds_any(text, ("ab",)) is True and holds_any(text, ("(.",)) is False


# --- in the worker processes ---------------------------------------------------------------

def asks(words: tuple[str, ...], text: str) -> tuple[bool | None, bool]:
    """Two gates on the text a worker computes (module-level: pickled to the worker): what
    the second one's mask said (None: it could not), and the gate's answer."""
    held(text, words)
    return held(text, words), holds_any(text, words)


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs two cores")
def test_workers_know_the_words_declared_here(make_project: MakeProject,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A word declared in this process after the workers started (as a check module's
    constants are, while the workers start up) reaches them with their next task."""
    monkeypatch.setattr(workers, "MIN_FILES", 8)
    word = "w" + uuid.uuid4().hex[:12]
    files: dict[str, str | bytes] = {f"pkg/m{i:02d}.py": ("# pad\n" * 200) + (
        f"{word} = 1\n" if i % 3 else "other = 1\n") for i in range(24)}
    project = Project(make_project(files), jobs=2)
    try:
        assert project.workers is not None and project.workers.start()
        declare((word,))
        import functools
        answers = project.facts(project.files, f"test.asks/{word}",
                                functools.partial(asks, (word,)))
        assert project.workers is not None and not project.workers._failed
    finally:
        project.close()
    assert len(answers) == 24
    for rel, (masked, gated) in answers.items():
        expected = not rel.endswith(("00.py", "03.py", "06.py", "09.py", "12.py", "15.py",
                                     "18.py", "21.py"))
        assert gated is expected
        assert masked is expected  # answered by the worker's mask: it knew the word


# --- every gate of a scan is declared ----------------------------------------------------

def test_every_gate_of_a_scan_on_a_kept_text_is_declared(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A scan of the example app (its files made long enough for the one-pass path) in one
    process: every gate on a focused text has all its words declared, so none makes its own
    passes. A new gate whose words are not declared (``gate_words``) fails here."""
    from readiness.scan import ScanOptions, scan

    root = tmp_path / "app"
    shutil.copytree(Path(__file__).parent.parent / "examples" / "pilot-app", root)
    pad = "\n".join(f"# {i:04d} padding so that the text is long" for i in range(40)) + "\n"
    for path in root.rglob("*"):
        if path.suffix in (".py", ".js", ".ts") and path.is_file():
            path.write_text(pad + path.read_text(encoding="utf-8"), encoding="utf-8")
    undeclared: list[tuple[str, ...]] = []
    focused = 0
    real = sourcetext.held

    def spy(text: str, words: tuple[str, ...]) -> bool | None:
        nonlocal focused
        if getattr(wordsets._FOCUS, "text", None) is text:
            focused += 1
            if not wordsets._mask_of(words):
                undeclared.append(words)
        return real(text, words)

    monkeypatch.setattr(sourcetext, "held", spy)
    scan(ScanOptions(root=root, date=datetime.date(2026, 11, 24), jobs=1))
    assert focused > 100  # the scan's gates went through here
    assert undeclared == []
