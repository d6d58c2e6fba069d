"""Worker processes answer parts of a big query, the same as one process would."""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest

from readiness.project import Project, filefacts, snapshot, workers
from readiness.project.snapshot import Gate
from readiness.project.sourcetext import gate_words
from tests.conftest import MakeProject
from tests.warm import age, reads_of, with_workers


def finish_after(seconds: float) -> float:  # module-level, as above
    time.sleep(seconds)
    return time.monotonic()


def pid_after(seconds: float) -> int:  # module-level, as above
    time.sleep(seconds)
    return os.getpid()


def line_count(text: str) -> int:  # module-level: it can be pickled to the worker
    return text.count("\n")


def slow_line_count(text: str) -> int:  # module-level, as above
    time.sleep(0.005)
    return text.count("\n")


_FLAG: list[bytearray] = []  # the stop flag ``flag_at_ten`` raises (in this process)


def flag_at_ten(text: str) -> int:  # module-level, as above
    if text.count("\n") == 10:
        _FLAG[0][0] = 1  # as the scanning process would, while this task runs
    return text.count("\n")


def many_files(count: int) -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {f"pkg/m{i:03d}.py": "x = 1\n" * (i % 7 + 1)
                                     for i in range(count)}
    files["pkg/blob.bin"] = b"\x00binary"
    return files


def spy_on_answers(project: Project, sent: list[tuple[int, bool]],
                   idled: list[int] | None = None) -> None:
    """Note in ``sent`` (the number of files, urgent or not) each part ``project``'s
    workers are asked to answer, and in ``idled`` the number of files of each idle one."""
    answer = project.workers.answer  # type: ignore[union-attr]

    def spy(payload: bytes, files: list[str], part: int, urgent: bool = False,
            idle: bool = False, last: bool = False) -> object:
        if idle:
            assert idled is not None, "an idle task was not expected"
            idled.append(len(files))
        else:
            sent.append((len(files), urgent))
        return answer(payload, files, part=part, urgent=urgent, idle=idle, last=last)

    project.workers.answer = spy  # type: ignore[method-assign,union-attr,assignment]


PARTS = workers.PARTS_PER_WORKER * 2  # of a query split with jobs=2

# a gate word of these tests: registered when this module is imported, in a worker too
# (unpickling the compute functions below imports it before the worker reads a file)
ZEBRA = gate_words(("zebracorn",))


def zebra_lines(text: str) -> tuple[int, ...]:  # module-level, as above
    """The lines holding the word; none in a file without it (the gate ``ZEBRA``)."""
    if "zebracorn" not in text:
        return ()
    return tuple(at for at, line in enumerate(text.split("\n"), 1) if "zebracorn" in line)


def zebra_files(count: int) -> dict[str, str | bytes]:
    """Python files, one in five holding the word (long ones and short ones)."""
    files = many_files(count)
    for i in range(0, count, 5):
        files[f"pkg/m{i:03d}.py"] = "x = 1\n" * i * 40 + "y = zebracorn()\n"
    files["pkg/notes.md"] = "zebracorn in a file that is not Python\n"
    return files

pytestmark = pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs two cores")


@pytest.fixture
def small_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "MIN_FILES", 8)


def test_workers_answer_their_parts_the_same_as_one_process(make_project: MakeProject,
                                                         small_threshold: None) -> None:
    root = make_project(many_files(40))
    serial = Project(root, jobs=1)
    expected = serial.facts(serial.files, "test.lines/1", line_count)
    project = Project(root, jobs=2)
    sent: list[int] = []
    answer = project.workers.answer  # type: ignore[union-attr]

    def spy(payload: bytes, files: list[str], part: int, urgent: bool) -> object:
        sent.append(len(files))
        assert not urgent
        return answer(payload, files, part=part, urgent=urgent)

    project.workers.answer = spy  # type: ignore[method-assign,union-attr,assignment]
    try:
        got = project.facts(project.files, "test.lines/1", line_count)
    finally:
        project.close()
    assert got == expected and list(got) == list(expected)  # same answers, same order
    # two workers, PARTS_PER_WORKER parts each, every file sent (none left for this process)
    assert len(sent) == PARTS and sum(sent) == 41
    assert not project.workers._failed  # type: ignore[union-attr]
    assert project.skipped == serial.skipped  # the binary file is noted once, by this process


def test_a_lambda_is_answered_here_alone(make_project: MakeProject,
                                         small_threshold: None) -> None:
    root = make_project(many_files(20))
    project = Project(root, jobs=2)
    try:
        got = project.facts(project.files, "test.len/1", lambda text: len(text))
    finally:
        project.close()
    assert len(got) == 20


def test_a_file_changed_between_the_two_reads_is_answered_from_our_reading(
        make_project: MakeProject, small_threshold: None) -> None:
    root = make_project(many_files(30))
    project = Project(root, jobs=2)
    theirs = sorted(f for f in project.files if workers.part(f, PARTS) == 1 and f.endswith(".py"))
    for rel in project.files:
        project.content_key(rel)  # this process has read every file
    (root / theirs[0]).write_text("x = 1\n" * 50, encoding="utf-8")  # the worker reads this
    try:
        got = project.facts(project.files, "test.lines/1", line_count)
    finally:
        project.close()
    assert not project.workers._failed  # type: ignore[union-attr]
    assert got[theirs[0]] == line_count(project.text(theirs[0]) or "") != 50


def test_files_a_worker_answered_are_not_read_here_and_are_known_next_run(
        make_project: MakeProject, small_threshold: None, tmp_path: Path) -> None:
    root = make_project(many_files(30))
    age(root)
    cache = tmp_path / "cache"
    project = Project(root, jobs=2, cache_dir=cache)
    read = reads_of(project)
    theirs = {f for f in project.files if f.endswith(".py")}  # every part goes to a worker
    try:
        got = project.facts(project.files, "test.lines/1", line_count)
    finally:
        project.close()
    assert not project.workers._failed  # type: ignore[union-attr]
    assert theirs and not theirs & set(read)  # the workers' readings were enough
    assert got == {f: line_count((root / f).read_text()) for f in project.files
                   if f.endswith(".py")}
    project.save_facts()
    warm = Project(root, jobs=2, cache_dir=cache)
    assert all(warm.content_key(f) is not None for f in theirs)
    assert warm._key.keys() >= theirs  # known from the store, not read


def test_a_query_asked_again_of_more_files_sends_them_unread(
        make_project: MakeProject, small_threshold: None, tmp_path: Path) -> None:
    """A cold scan: a query asked first of a few files (answered here) and then of many
    (Home Assistant: the tool-output test of a check's few files, then of 2,262 data
    files). A file nobody has read has nothing kept for its text: it goes to the workers
    without being read here for its key, and those read already are not asked again."""
    root = make_project(many_files(30))
    project = Project(root, jobs=2, cache_dir=tmp_path / "cache")
    python = sorted(f for f in project.files if f.endswith(".py"))
    sent: list[tuple[int, bool]] = []
    try:
        first = project.facts(python[:3], "test.lines/1", line_count)
        read = reads_of(project)
        spy_on_answers(project, sent)
        got = project.facts(python, "test.lines/1", line_count)
    finally:
        project.close()
    assert not project.workers._failed  # type: ignore[union-attr]
    assert first == {f: line_count((root / f).read_text()) for f in python[:3]}
    assert got == {f: line_count((root / f).read_text()) for f in python}
    assert read == []  # neither the three answered here nor the others
    assert sum(count for count, _ in sent) == len(python) - 3


def test_a_file_without_text_a_worker_read_is_noted_and_not_read_here(
        make_project: MakeProject, small_threshold: None, tmp_path: Path) -> None:
    """A binary file (Home Assistant's demo images, read by the secrets scan of every
    file): the worker says why it has no text; it is noted as a reading here would note
    it, and this process does not read it again."""
    root = make_project(many_files(30))
    project = Project(root, jobs=2, cache_dir=tmp_path / "cache")
    read = reads_of(project)
    try:
        got = project.facts(project.files, "test.lines/1", line_count)
    finally:
        project.close()
    assert not project.workers._failed  # type: ignore[union-attr]
    assert "pkg/blob.bin" not in got and "pkg/blob.bin" not in read
    assert dict(project.skipped)["pkg/blob.bin"] == "binary content"
    assert project.content_key("pkg/blob.bin") is None


def test_a_file_changed_after_a_worker_read_it_is_kept_under_its_new_text(
        make_project: MakeProject, small_threshold: None, tmp_path: Path) -> None:
    root = make_project(many_files(30))
    project = Project(root, jobs=2, cache_dir=tmp_path / "cache")
    theirs = sorted(f for f in project.files if workers.part(f, PARTS) == 1 and f.endswith(".py"))
    try:
        project.facts(project.files, "test.lines/1", line_count)  # the worker reads theirs[0]
        old_key = project.content_key(theirs[0])
        old_text = (root / theirs[0]).read_text(encoding="utf-8")
        (root / theirs[0]).write_text("y = 2\n" * 50, encoding="utf-8")
        assert project.text(theirs[0]) == "y = 2\n" * 50  # read here: a new key
        new_key = project.content_key(theirs[0])
        got = project.facts(project.files, "test.chars/1", len)
    finally:
        project.close()
    assert new_key != old_key
    assert got[theirs[0]] == len("y = 2\n" * 50)
    store = project._store
    assert store.get(new_key, "test.chars/1") == (  # type: ignore[arg-type]
        True, len("y = 2\n" * 50))
    found, answer = store.get(old_key, "test.chars/1")  # type: ignore[arg-type]
    assert not found or answer == len(old_text)  # never the new text's answer


def test_a_prefetch_of_a_few_files_goes_to_the_workers_ahead_of_the_waiting_tasks(
        make_project: MakeProject, monkeypatch: pytest.MonkeyPatch) -> None:
    """Below MIN_FILES a query is answered here, unless it is a prefetch of answers that
    each cost about a parse: then its parts, none empty, go ahead of the text scans. Its
    answers are only kept, and ``facts`` finds them."""
    root = make_project(many_files(workers.MIN_COSTLY_FILES))
    python = sorted(f for f in Project(root).files if f.endswith(".py"))
    project = Project(root, jobs=2)
    sent: list[tuple[int, bool]] = []
    spy_on_answers(project, sent)
    computed: list[str] = []
    try:
        cheap = project.facts(python, "test.lines/1", line_count)
        assert sent == []  # few files: answered here
        decoded: list[bytes] = []
        real = filefacts.decode

        def counting(encoded: bytes) -> object:
            decoded.append(encoded)
            return real(encoded)

        monkeypatch.setattr(snapshot, "decode", counting)
        project.prefetch(python, "test.lines/2", line_count)
        assert sum(n for n, _ in sent) == len(python) and all(n and u for n, u in sent)
        project.prefetch(python, "test.lines/2", line_count)  # kept already: not sent
        assert sum(n for n, _ in sent) == len(python) and decoded == []  # only kept
        kept = project.facts(python, "test.lines/2", lambda text: computed.append(text))
    finally:
        project.close()
    assert kept == cheap and list(kept) == python and computed == []  # found, not computed
    assert not project.workers._failed  # type: ignore[union-attr]
    fewer = Project(root, jobs=2)
    spy_on_answers(fewer, sent)
    sent.clear()
    fewer.prefetch(python[:-1], "test.lines/3", line_count)  # answered here
    assert sent == [] and not fewer.workers._pools  # type: ignore[union-attr]
    assert fewer.facts(python[:-1], "test.lines/3", len) == {f: cheap[f] for f in python[:-1]}


def test_a_costly_query_of_a_few_files_goes_to_the_workers_urgently(
        make_project: MakeProject) -> None:
    """``facts(..., costly=True)``: answers that each cost about a parse go to the workers
    from MIN_COSTLY_FILES files on, ahead of the waiting text scans, and come back decoded,
    the same as answered here; fewer files, or a cheap query, are answered here while the
    workers are not running. Once they run, even one such file goes to them."""
    root = make_project(many_files(workers.MIN_COSTLY_FILES))
    python = sorted(f for f in Project(root).files if f.endswith(".py"))
    here = Project(root, jobs=1).facts(python, "test.lines/1", line_count)
    project = Project(root, jobs=2)
    sent: list[tuple[int, bool]] = []
    spy_on_answers(project, sent)
    try:
        assert project.facts(python[:-1], "test.lines/2", line_count, costly=True) == {
            f: here[f] for f in python[:-1]}
        assert sent == []  # fewer than MIN_COSTLY_FILES: answered here
        assert project.facts(python, "test.lines/3", line_count) == here
        assert sent == []  # a cheap query of few files: answered here
        found = project.facts(python, "test.lines/4", line_count, costly=True)
        assert sum(n for n, _ in sent) == len(python) and all(n and u for n, u in sent)
        sent.clear()
        one = project.facts(python[:1], "test.lines/5", line_count, costly=True)
        assert sent == [(1, True)]  # the workers run now: one file goes to them
        sent.clear()
        assert project.facts(python[:2], "test.lines/6", line_count) == {
            f: here[f] for f in python[:2]}
        assert sent == []  # a cheap query of few files is still answered here
    finally:
        project.close()
    assert found == here and list(found) == python
    assert one == {python[0]: here[python[0]]}
    assert not project.workers._failed  # type: ignore[union-attr]


def test_no_worker_with_one_job_or_few_files(make_project: MakeProject) -> None:
    root = make_project(many_files(10))
    assert Project(root, jobs=1).workers is None
    project = Project(root, jobs=2)
    project.facts(project.files, "test.lines/1", line_count)
    assert project.workers is not None and not project.workers._pools  # never started


def test_whole_scan_is_the_same_cold_with_workers_warm_and_in_one_process(
        tmp_path: Path, small_threshold: None) -> None:
    """The example pilot app plus filler modules: the scorecard does not depend on how the
    per-file answers were obtained (workers, the store, or this process alone)."""
    import datetime
    import shutil

    from readiness.report import render
    from readiness.scan import ScanOptions, scan
    from tests.warm import age

    root = tmp_path / "app"
    shutil.copytree(Path(__file__).parent.parent / "examples" / "pilot-app", root)
    for i in range(30):
        (root / "app" / f"helper_{i}.py").write_text(f"import logging\n\nlog = logging.getLogger()"
                                                     f"\nVALUE = {i}\n", encoding="utf-8")
    age(root)
    day = datetime.date(2026, 11, 24)
    cache = tmp_path / "cache"
    cards = [scan(ScanOptions(root=root, date=day, cache_dir=cache, jobs=2)),  # cold, workers
             scan(ScanOptions(root=root, date=day, cache_dir=cache, jobs=2)),  # warm
             scan(ScanOptions(root=root, date=day, jobs=1))]  # no cache, one process
    first, *others = [render(card, "json") for card in cards]
    assert all(other == first for other in others)
    assert '"status": "fail"' in first  # the pilot app does fail checks: a real comparison


def test_an_urgent_task_goes_ahead_of_the_tasks_waiting_for_a_worker(tmp_path: Path) -> None:
    pool = workers.Workers(tmp_path, 1)
    try:
        assert pool.map(finish_after, [0.0]) is not None  # started, so that timings are fair
        waiting = [pool._submit(workers._NORMAL, None, finish_after, 0.3) for _ in range(5)]
        urgent = pool.map(finish_after, [0.0], urgent=True)
        ends = [future.result() for future in waiting if future is not None]
    finally:
        pool.close()
    assert urgent is not None and len(ends) == 5
    # one worker with two tasks in it (one running, one queued): the urgent one is third
    assert ends[1] < urgent[0] < ends[2]


def test_closing_the_workers_cancels_the_tasks_still_waiting(tmp_path: Path) -> None:
    pool = workers.Workers(tmp_path, 1)
    futures = [pool._submit(workers._NORMAL, None, finish_after, 0.2) for _ in range(4)]
    pool.close()
    assert all(f is not None and f.done() for f in futures)
    assert any(f is not None and f.cancelled() for f in futures)


def test_parts_with_the_same_number_go_to_the_same_worker(tmp_path: Path) -> None:
    """A part's files were read by its worker before: the same part number, the same worker
    (while that worker has room), so that no file is read and kept by both."""
    pool = workers.Workers(tmp_path, 2)
    pids = []
    try:
        for _ in range(3):  # a round at a time: no worker is ever full, so none takes over
            futures = [pool._submit(workers._NORMAL, home, os.getpid) for home in (0, 1)]
            pids += [future.result() for future in futures if future is not None]
    finally:
        pool.close()
    assert len(pids) == 6 and len(set(pids)) == 2
    assert pids[0] == pids[2] == pids[4] and pids[1] == pids[3] == pids[5]


def test_an_idle_worker_takes_a_task_meant_for_the_other(tmp_path: Path) -> None:
    pool = workers.Workers(tmp_path, 2)
    try:
        # five tasks for worker 0: it has room for two; worker 1, idle while three wait,
        # takes one, and then more of that part (it has read its files)
        futures = [pool._submit(workers._NORMAL, 0, pid_after, 0.3) for _ in range(5)]
        pids = [future.result() for future in futures if future is not None]
    finally:
        pool.close()
    assert len(pids) == 5 and len(set(pids)) == 2


def test_a_worker_takes_a_part_of_another_it_has_read_or_when_many_wait(tmp_path: Path
                                                                        ) -> None:
    """Which task goes to which worker (no process started: the choice alone)."""
    pool = workers.Workers(tmp_path, 2)

    def waiting(*parts: int | None) -> None:
        pool._waiting = [(1, at, part, os.getpid, (), None) for at, part in enumerate(parts)]

    pool._in_pool = [2, 0]  # worker 0 full, worker 1 idle
    waiting(2, 4)  # two parts of worker 0 (home: the part's number modulo two)
    assert pool._pick() is None  # two waiting: worker 1 would read those files as well
    pool._parts[1].add(4)  # worker 1 answered part 4 of an earlier query
    assert pool._pick() == (1, 1)
    pool._parts[1].clear()
    waiting(2, 4, 0)  # three waiting: worker 1 takes the first
    assert pool._pick() == (1, 0)
    waiting(2, None)  # a task for anyone (the call-site index's parse)
    assert pool._pick() == (1, 1)
    pool._in_pool = [1, 0]
    waiting(3, 2)
    assert pool._pick() == (0, 1)  # worker 0 has room for its own
    pool._in_pool = [2, 0]
    waiting(2)
    assert pool._pick() is None  # the last part of a query: left to its worker


def test_a_querys_compute_is_unpickled_once_for_its_parts() -> None:
    first, second = pickle.dumps(len), pickle.dumps(str.upper)
    assert workers._compute_of(first) is workers._compute_of(bytes(first))  # equal bytes
    assert workers._compute_of(second)("a") == "A"
    for name in ("lower", "strip", "title", "swapcase"):  # more queries than are kept
        workers._compute_of(pickle.dumps(getattr(str, name)))
    assert first not in workers._COMPUTES and len(workers._COMPUTES) == 4
    assert workers._compute_of(first)("abc") == 3  # unpickled again when asked again


def test_answers_that_are_the_same_small_value_cross_as_one_object(tmp_path: Path) -> None:
    """Most files answer a text scan with the same few values ("no match"): a part's
    equal small answers are one object, pickled once and referred to after."""
    for at in range(3):
        (tmp_path / f"m{at}.py").write_text("x = 1\n" * (at + 1))
    workers._ROOT[:] = [str(tmp_path)]
    try:
        answered = workers._answer(pickle.dumps(line_count), ["m0.py", "m1.py", "m2.py"])
        again = workers._answer(pickle.dumps(no_match), ["m0.py", "m1.py", "m2.py"])
    finally:
        workers._ROOT.clear()
        workers._TEXTS.clear()
    assert [filefacts.decode(a) for a in answered.answers] == [1, 2, 3]
    assert [filefacts.decode(a) for a in again.answers] == [()] * 3
    assert again.answers[0] is again.answers[1] is again.answers[2]
    crossed = pickle.loads(pickle.dumps(again))
    assert crossed.answers[0] is crossed.answers[2]


def test_an_idle_answer_sends_back_at_once_what_the_scan_keeps(tmp_path: Path) -> None:
    """An idle task's answer (``hold``) packs everything, and sends at once the keys and
    problems of the files this process keeps: not those of a language's UI strings (read by
    one scan: nobody reads them here). Its kept texts stay in the worker, translations not."""
    (tmp_path / "app.py").write_text("x = 1\n")
    (tmp_path / "bad.json").write_bytes(b"\xff\xfe{}")
    (tmp_path / "translations").mkdir()
    (tmp_path / "translations" / "de.json").write_text("{}\n")
    (tmp_path / "translations" / "fr.json").write_bytes(b"\xff{}")
    files = ["app.py", "bad.json", "translations/de.json", "translations/fr.json"]
    workers._ROOT[:] = [str(tmp_path)]
    try:
        held = workers._answer(pickle.dumps(line_count), files, hold=True)
        kept = set(workers._TEXTS)
    finally:
        workers._ROOT.clear()
        workers._TEXTS.clear()
    assert set(held.keys) == {0, 1} and held.keys[1] is None
    assert held.problems is not None and set(held.problems) == {1}
    assert kept == {"app.py", "bad.json"}
    assert held.held is not None and held.answers == []
    full = workers.unpack(held.held)
    assert set(full.keys) == {0, 1, 2, 3} and full.keys[3] is None
    assert set(full.problems) == {1, 3}
    assert [filefacts.decode(a) for a in full.answers[::2]] == [1, 1]


def no_match(text: str) -> tuple[int, ...]:  # module-level, as above
    return ()


def test_a_gated_query_sends_only_the_files_that_hold_its_words(
        make_project: MakeProject, small_threshold: None, tmp_path: Path) -> None:
    """The workers report each Python file's gate words when they first read it; a query
    with a gate then answers the files without its words here (the same answer, kept for
    the next run) and sends only the others."""
    root = make_project(zebra_files(60))
    age(root)
    serial = Project(root, jobs=1)
    expected = serial.facts(serial.files, "test.zebra/1", zebra_lines)
    assert sum(1 for found in expected.values() if found) == 13  # 12 Python files and notes.md
    cache = tmp_path / "cache"
    project = Project(root, jobs=2, cache_dir=cache)
    sent: list[tuple[int, bool]] = []
    try:
        project.facts(project.files, "test.lines/1", line_count)  # the workers read them
        spy_on_answers(project, sent)
        gated = project.facts(project.files, "test.zebra/1", zebra_lines,
                              gate=Gate((ZEBRA,), ()))
        assert gated == expected and list(gated) == list(expected)
        # sent: the 12 Python files holding the word, and the two files no words were
        # reported for (not Python, no text), still to the workers although few
        assert sum(count for count, _urgent in sent) == 14
        sent.clear()
        ungated = project.facts(project.files, "test.zebra/2", zebra_lines,
                                gate=Gate((("a word no worker registered",),), ()))
        assert ungated == expected and sum(count for count, _urgent in sent) == 62
    finally:
        project.close()
    assert not project.workers._failed  # type: ignore[union-attr]
    project.save_facts()
    warm = Project(root, jobs=2, cache_dir=cache)
    read = reads_of(warm)
    try:
        assert warm.facts(warm.files, "test.zebra/1", zebra_lines) == expected
    finally:
        warm.close()
    # the answers given here were kept like the workers' (the binary file has no content
    # key to keep: read again, as in every warm run)
    assert read == ["pkg/blob.bin"]


def test_the_rest_of_a_big_gated_query_goes_to_the_workers_however_few(
        make_project: MakeProject, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a gate leaves of a query big enough for the workers goes to them, even below
    MIN_FILES (their texts are there, not here); a query too small for them stays here."""
    monkeypatch.setattr(workers, "MIN_FILES", 20)
    root = make_project(zebra_files(60))
    project = Project(root, jobs=2)
    sent: list[tuple[int, bool]] = []
    try:
        project.facts(project.files, "test.lines/1", line_count)  # the workers read them
        spy_on_answers(project, sent)
        gate = Gate((ZEBRA,), ())
        big = project.facts(project.files, "test.zebra/1", zebra_lines, gate=gate)
        assert sum(count for count, _urgent in sent) == 14  # fewer than 20, still sent
        sent.clear()
        few = sorted(f for f in project.files if f.endswith(".py"))[:10]
        small = project.facts(few, "test.zebra/2", zebra_lines, gate=gate)
        assert sent == []  # ten files: answered here, as without a gate
    finally:
        project.close()
    assert big == {rel: zebra_lines((root / rel).read_text()) for rel in big}
    assert set(big) == {f for f in project.files if f != "pkg/blob.bin"}
    assert small == {rel: zebra_lines((root / rel).read_text()) for rel in few}


def test_an_idle_task_goes_only_to_a_worker_with_nothing_else_to_do(tmp_path: Path) -> None:
    """Which task goes to which worker, with idle tasks (``Project.facts_later``) among
    them (no process started: the choice alone)."""
    pool = workers.Workers(tmp_path, 2)
    normal, idle, last = workers._NORMAL, workers._IDLE, workers._LAST

    def waiting(*entries: tuple[int, int]) -> None:
        pool._waiting = sorted((priority, at, part, os.getpid, (), None)
                               for at, (priority, part) in enumerate(entries))

    waiting((idle, 0))
    pool._in_pool = [1, 0]
    assert pool._pick() is None  # its worker is busy, and the other never reads its files
    pool._in_pool = [0, 0]
    assert pool._pick() == (0, 0)
    waiting((idle, 0), (normal, 2))
    assert pool._pick() == (0, 0) and pool._waiting[0][0] == normal  # the other one first
    pool._in_pool = [2, 0]
    waiting((idle, 0), (idle, 2), (idle, 4))
    assert pool._pick() is None  # idle tasks waiting are no backlog to take over
    waiting((normal, 0), (normal, 2), (normal, 4), (idle, 1))
    assert pool._pick() == (1, 3)  # its own idle task, rather than another's files
    pool._in_pool = [0, 0]
    waiting((last, 0), (idle, 2))
    assert pool._pick() == (0, 0) and pool._waiting[0][0] == idle  # wanted last: after it
    pool._in_pool = [1, 0]
    waiting((last, 0), (last, 1))
    assert pool._pick() == (1, 1)  # ... and only to a worker with nothing else to do
    pool._in_pool = [2, 0]
    waiting((last, 0), (last, 2), (last, 4))
    assert pool._pick() is None  # no backlog to take over either
    for priority in (idle, last):
        future: Future[object] = Future()
        pool._waiting = [(priority, 0, 1, os.getpid, (), future)]
        pool.hurry(future)  # now waited for: it goes with the others
        assert pool._waiting[0][0] == normal


def test_a_task_waited_for_goes_ahead_of_an_idle_one_sent_before_it(tmp_path: Path) -> None:
    pool = workers.Workers(tmp_path, 1)
    try:
        assert pool.map(finish_after, [0.0]) is not None  # started, so that timings are fair
        busy = pool._submit(workers._NORMAL, None, finish_after, 0.3)
        idle = pool._submit(workers._IDLE, 0, finish_after, 0.0)
        waited = pool._submit(workers._NORMAL, None, finish_after, 0.0)
        assert busy is not None and idle is not None and waited is not None
        assert busy.result() < waited.result() < idle.result()
    finally:
        pool.close()


def test_answers_sent_for_the_idle_workers_are_found_and_not_sent_again(
        make_project: MakeProject, small_threshold: None, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """``facts_later`` sends a query's files as idle tasks; the words of the Python files
    they read serve a gated query asked before it, and ``facts`` then finds its answers,
    the same as one process's, with nothing sent again. A warm run sends nothing."""
    monkeypatch.setattr(workers, "IDLE_TASK_FILES", 10)
    root = make_project(zebra_files(60))
    age(root)
    serial = Project(root, jobs=1)
    expected = serial.facts(serial.files, "test.zebra/1", zebra_lines)
    serial.facts_later(serial.files, "test.lines/1", line_count)  # one process: nothing
    lines = serial.facts(serial.files, "test.lines/1", line_count)
    cache = tmp_path / "cache"
    project = Project(root, jobs=2, cache_dir=cache)
    sent: list[tuple[int, bool]] = []
    idled: list[int] = []
    spy_on_answers(project, sent, idled)
    computed: list[str] = []
    try:
        project.facts_later(project.files, "test.lines/1", line_count)
        assert sum(idled) == 62 and max(idled) <= 10  # every file, in small tasks
        for _group, future, _part in project._later["test.lines/1"].sent:
            future.result()  # the workers had nothing else to do
        gated = project.facts(project.files, "test.zebra/1", zebra_lines,
                              gate=Gate((ZEBRA,), ()))
        assert gated == expected
        # the idle tasks' words were taken first: only the 12 Python files holding the
        # word and the two without reported words were sent
        assert sum(count for count, _urgent in sent) == 14
        sent.clear()
        found = project.facts(project.files, "test.lines/1",
                              lambda text: computed.append(text))  # not picklable: here
        assert found == lines and list(found) == list(lines)
        assert computed == [] and sent == []  # found, none computed or sent again
        project.facts_later(project.files, "test.lines/1", line_count)  # asked: nothing
        assert sum(idled) == 62
        project.facts_later(project.files, "test.zebra/3", zebra_lines)  # never asked
        assert sum(idled) == 124 and set(project._later) == {"test.zebra/3"}
        project.release()  # every check is done: what no check asked for is let go of
        assert project._later == {}
    finally:
        project.close()
    project.save_facts()
    warm = Project(root, jobs=2, cache_dir=cache)
    idled.clear()
    spy_on_answers(warm, sent, idled)
    try:
        warm.facts_later(warm.files, "test.lines/1", line_count)
        assert idled == [] and warm.facts(warm.files, "test.lines/1", len) == lines
    finally:
        warm.close()


def long_answer(text: str) -> str:  # module-level, as above: longer than SPILL_SIZE
    return "".join(hashlib.sha256(f"{at}{text}".encode()).hexdigest() for at in range(8))


def test_answers_of_idle_tasks_are_decoded_once_not_read_back_from_the_spill(
        make_project: MakeProject, small_threshold: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Long answers wait in the store's spill for the save. Those an idle task brought are
    handed to ``facts`` as they are taken, not written out and read back one by one
    (Home Assistant's called names: 6,725 reads); the answers are one process's."""
    monkeypatch.setattr(workers, "IDLE_TASK_FILES", 10)
    root = make_project(many_files(40))
    serial = Project(root, jobs=1)
    expected = serial.facts(serial.files, "test.long/1", long_answer)
    assert all(len(filefacts.encode(answer) or b"") > filefacts.SPILL_SIZE
               for answer in expected.values())
    project = Project(root, jobs=2)
    read_back: list[int] = []
    spilled = filefacts.FactStore._spilled
    monkeypatch.setattr(filefacts.FactStore, "_spilled",
                        lambda store, place: read_back.append(place) or spilled(store, place))
    try:
        project.facts_later(project.files, "test.long/1", long_answer)
        found = project.facts(project.files, "test.long/1", long_answer)
        assert found == expected and list(found) == list(expected)
        assert read_back == []
        assert project.facts(project.files, "test.long/1", long_answer) == expected
        assert len(read_back) == len(expected)  # asked again: from the store, as before
    finally:
        project.close()


def test_the_fork_server_starts_before_the_files_are_looked_at(
        make_project: MakeProject, small_threshold: None, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """On a cold scan of a big repository the workers' fork server is started once the
    files are listed, before each is looked at (Home Assistant: 36,488 to stat), so that
    it has imported what they need when the first task comes; not for a few files, nor
    when earlier runs' facts are kept."""
    warmed: list[int] = []

    def warm(pool: workers.Workers) -> None:
        warmed.append(len(admitted))

    admitted: list[str] = []
    admit = snapshot.Project._admit
    monkeypatch.setattr(workers.Workers, "warm", warm)
    monkeypatch.setattr(snapshot.Project, "_admit",
                        lambda project, rel: admitted.append(rel) or admit(project, rel))
    root = make_project(many_files(20))
    Project(root, jobs=2).close()
    assert warmed == [0]  # warmed before any file was looked at
    monkeypatch.setattr(workers, "MIN_FILES", 100)
    Project(root, jobs=2).close()  # a few files
    assert warmed == [0]
    monkeypatch.setattr(workers, "MIN_FILES", 8)
    kept = tmp_path / "cache"
    admitted.clear()
    cold = Project(root, jobs=2, cache_dir=kept)
    assert warmed == [0, 0]
    cold.facts(cold.files, "test.lines/1", line_count)  # (the store, opened, warms again)
    cold.close()
    cold.save_facts()
    before = len(warmed)
    Project(root, jobs=2, cache_dir=kept).close()  # facts kept: a warm run
    assert len(warmed) == before


def test_the_workers_count_as_running_only_once_all_are_started(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """While one thread starts the workers, another asking them for work waits for them
    all: it never hands a task to a worker not started yet (it did, on pr-agent: an
    IndexError in a check, when a costly query of one file came in meanwhile)."""
    second = threading.Event()
    made: list[object] = []

    class Pool:  # a worker's pool that answers at once; the second takes its time to start
        def __init__(self, *_args: object, **_kwargs: object) -> None:
            made.append(self)
            if len(made) == 2:
                assert second.wait(10)

        def submit(self, function: Callable[..., object], *args: object) -> Future[object]:
            done: Future[object] = Future()
            done.set_result(None if function is workers._start_up else function(*args))
            return done

        def shutdown(self, **_kwargs: object) -> None:
            pass

    monkeypatch.setattr(workers, "ProcessPoolExecutor", Pool)
    pool = workers.Workers(tmp_path, 2)
    starting = threading.Thread(target=pool.start)
    starting.start()
    while not made:
        time.sleep(0.001)
    assert not pool.running  # one of two started: not running yet
    answers: list[object] = []
    asking = threading.Thread(target=lambda: answers.append(pool.map(len, [[1], [2, 3]])))
    asking.start()
    time.sleep(0.05)
    assert answers == []  # waits for the start
    second.set()
    starting.join(10)
    asking.join(10)
    assert answers == [[1, 2]] and pool.running and len(made) == 2


def test_closed_workers_are_never_started_again(tmp_path: Path) -> None:
    """A ``prepare`` hook still working after the scan (its thread is not waited for)
    must not start new workers: asked after ``close``, the scanning process answers."""
    pool = workers.Workers(tmp_path, 2)
    pool.close()
    pool.warm()
    assert pool.start() is False and pool._pools == []
    assert pool.map(len, [[1, 2]]) is None  # the caller works alone


@pytest.mark.parametrize("error", [OSError("no processes"), EOFError("fork server gone")])
def test_workers_that_cannot_start_leave_the_work_to_this_process(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    made: list[object] = []
    shut: list[object] = []

    class Pool:  # the first worker starts; the second cannot
        def __init__(self, *_args: object, **_kwargs: object) -> None:
            made.append(self)

        def submit(self, *_args: object) -> Future[object]:
            if self is not made[0]:
                raise error
            done: Future[object] = Future()
            done.set_result(None)
            return done

        def shutdown(self, **_kwargs: object) -> None:
            shut.append(self)

    monkeypatch.setattr(workers, "ProcessPoolExecutor", Pool)
    pool = workers.Workers(tmp_path, 2)
    assert pool.start() is False and not pool.running
    assert shut == made and len(made) == 2  # the one that started is stopped again
    assert pool.map(len, [[1]]) is None  # the caller works alone


class HeldPool:
    """A worker's pool whose tasks end when the test says (``Future.set_result``)."""

    def __init__(self) -> None:
        self.tasks: list[Future[workers.Answers]] = []

    def submit(self, function: Callable[..., object], *args: object) -> Future[workers.Answers]:
        self.tasks.append(Future())
        return self.tasks[-1]

    def shutdown(self, **kwargs: object) -> None:
        pass


def test_a_running_idle_task_gives_way_to_a_task_waited_for(tmp_path: Path) -> None:
    """The stop flag of a worker is raised when a task someone waits for is handed to it
    behind an idle task, and lowered when that task is gone; a hurried idle task (now
    waited for) does not give way."""
    pool = workers.Workers(tmp_path, 1)
    held = HeldPool()
    pool._pools = [held]  # type: ignore[list-item]
    pool._stops = bytearray(1)
    idle = pool.answer(b"compute", ["a.py"], part=0, idle=True)
    assert idle is not None and len(held.tasks) == 1
    assert pool._stops[0] == 0  # nothing else waits: it runs on
    waited = pool.answer(b"compute", ["b.py"], part=0)
    assert waited is not None and len(held.tasks) == 2
    assert pool._stops[0] == 1  # handed behind it: it gives way
    held.tasks[0].set_result(workers.Answers([], {}, done=0))
    assert idle.result().done == 0 and pool._stops[0] == 0  # gone: nothing else stops
    held.tasks[1].set_result(workers.Answers([], {}))
    hurried = pool.answer(b"compute", ["c.py"], part=0, idle=True)
    assert hurried is not None
    pool.hurry(hurried)
    pool.answer(b"compute", ["d.py"], part=0)
    assert len(held.tasks) == 4 and pool._stops[0] == 0
    pool.close()


def test_an_idle_task_stops_at_its_flag_and_says_how_far_it_got(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker looks at its flag every few files of an idle task: raised, it answers
    the files done so far (``Answers.done``); a task waited for never stops."""
    for i in range(20):
        (tmp_path / f"f{i:02d}.txt").write_text("x\n" * i)
    files = [f"f{i:02d}.txt" for i in range(20)]
    flag = bytearray(1)
    monkeypatch.setattr(workers, "_ROOT", [str(tmp_path)])
    monkeypatch.setattr(workers, "_TEXTS", {})
    monkeypatch.setattr(workers, "_STOP", [(flag, 0)])
    monkeypatch.setattr(sys.modules[__name__], "_FLAG", [flag])
    whole = workers._answer(pickle.dumps(line_count), files, True)
    assert whole.done is None and whole.held is not None
    assert len(workers.unpack(whole.held).answers) == 20
    stopped = workers._answer(pickle.dumps(flag_at_ten), files, True)
    assert stopped.done == 16 and stopped.held is not None  # the next look after the tenth
    assert len(workers.unpack(stopped.held).answers) == 16
    assert flag[0] == 1
    waited = workers._answer(pickle.dumps(line_count), files)
    assert waited.done is None and len(waited.answers) == 20
    assert workers._answer(pickle.dumps(line_count), files, True).done == 0


def test_idle_tasks_that_gave_way_are_finished_later_each_file_once(
        make_project: MakeProject, small_threshold: None, monkeypatch: pytest.MonkeyPatch
        ) -> None:
    """Idle tasks running when a query someone waits for is sent stop for it; the files
    they had not answered are sent again, and the query's answers are those of one
    process, each file answered once."""
    monkeypatch.setattr(workers, "IDLE_TASK_FILES", 30)
    root = make_project(zebra_files(60))
    serial = Project(root, jobs=1)
    expected = serial.facts(serial.files, "test.slow/1", line_count)
    project = with_workers(root)
    done: list[tuple[int, int]] = []  # (files, files answered) of each idle task taken
    hold, answer = project._hold, project._answer
    computed: list[str] = []

    def holding(later: Any, group: list[str], future: Any) -> list[str]:
        rest = hold(later, group, future)
        done.append((len(group), len(group) - len(rest)))
        return rest

    def answering(files: list[str], query: str, *args: Any, **kwargs: Any) -> None:
        if query == "test.slow/1":
            computed.extend(files)
        answer(files, query, *args, **kwargs)

    monkeypatch.setattr(project, "_hold", holding)
    monkeypatch.setattr(project, "_answer", answering)
    try:
        project.facts_later(project.files, "test.slow/1", slow_line_count)
        deadline = time.monotonic() + 60
        while not any(flight and flight[0][0] >= workers._IDLE
                      for flight in project.workers._flight):
            assert time.monotonic() < deadline, "no idle task was handed to a worker"
            time.sleep(0.005)
        project.facts(project.files, "test.zebra/1", zebra_lines)  # waited for: first
        found = project.facts(project.files, "test.slow/1", slow_line_count)
    finally:
        project.close()
    assert found == expected
    assert any(answered < size for size, answered in done)  # one gave way
    assert sum(answered for _, answered in done) + len(computed) == len(project.files)
