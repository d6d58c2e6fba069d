"""Per-file facts kept by content: reused while the text is the same, never when it is not."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from readiness.project import Project
from readiness.project.filefacts import FactStore, Signature, decode, encode, store_path
from tests.conftest import MakeProject
from tests.warm import age, cold_then_warm


def upper_lines(project: Project) -> dict[str, int]:
    return project.facts(project.files, "test.lines/1", lambda text: text.count("\n"))


def test_warm_run_reads_no_unchanged_file(make_project: MakeProject, tmp_path: Path) -> None:
    root = make_project({"a.py": "x = 1\n", "b/c.txt": "one\ntwo\n"})
    result = cold_then_warm(root, tmp_path / "cache", upper_lines)
    assert result.cold == result.warm == {"a.py": 1, "b/c.txt": 2}
    assert result.read == []


def test_changed_file_is_read_again(make_project: MakeProject, tmp_path: Path) -> None:
    root = make_project({"a.py": "x = 1\n", "b.py": "y = 2\n"})
    cache = tmp_path / "cache"
    cold_then_warm(root, cache, upper_lines)
    (root / "a.py").write_text("x = 1\ny = 2\nz = 3\n", encoding="utf-8")
    project = Project(root, cache_dir=cache)
    assert upper_lines(project) == {"a.py": 3, "b.py": 1}


def test_same_size_same_mtime_edit_is_not_trusted_when_racy(make_project: MakeProject,
                                                            tmp_path: Path) -> None:
    """A file written in the instant the store was saved is read again, even if its
    size and mtime look unchanged (a coarse clock)."""
    root = make_project({"a.py": "x = 1\n"})
    cache = tmp_path / "cache"
    project = Project(root, cache_dir=cache)  # not aged: the file's mtime is "now"
    assert upper_lines(project) == {"a.py": 1}
    project.save_facts()
    stamp = os.stat(root / "a.py").st_mtime_ns
    (root / "a.py").write_text("x=1\n\n", encoding="utf-8")  # same size
    os.utime(root / "a.py", ns=(stamp, stamp))
    assert upper_lines(Project(root, cache_dir=cache)) == {"a.py": 2}


def test_new_query_on_unchanged_file_is_computed(make_project: MakeProject,
                                                 tmp_path: Path) -> None:
    root = make_project({"a.py": "abc\n"})
    result = cold_then_warm(root, tmp_path / "cache", upper_lines)
    assert result.read == []
    project = Project(root, cache_dir=tmp_path / "cache")
    assert project.facts(project.files, "test.len/1", len) == {"a.py": 4}


def test_files_without_text_are_left_out_and_still_noted(make_project: MakeProject,
                                                         tmp_path: Path) -> None:
    root = make_project({"a.py": "x\n", "blob.bin": b"\x00\x01binary"})
    result = cold_then_warm(root, tmp_path / "cache", upper_lines)
    assert result.warm == {"a.py": 1}
    assert result.read == ["blob.bin"]  # no content key is kept for it: read, noted again


def test_no_cache_dir_keeps_nothing(make_project: MakeProject, tmp_path: Path) -> None:
    root = make_project({"a.py": "x\n"})
    age(root)
    project = Project(root)
    assert upper_lines(project) == {"a.py": 1}
    project.save_facts()
    assert not (tmp_path / "cache").exists()


def test_corrupt_or_foreign_store_is_an_empty_one(tmp_path: Path) -> None:
    path = tmp_path / "store.marshal"
    for junk in (b"", b"\x00garbage", b"\xe9" * 50):
        path.write_bytes(junk)
        store = FactStore(path)
        assert store.get("k", "q") == (False, None)
        assert store.trusted_key("a.py", Signature(1, 1, 1, 1)) is None


def test_truncated_or_tampered_store_is_an_empty_one(make_project: MakeProject,
                                                     tmp_path: Path) -> None:
    root = make_project({"a.py": "x = 1\n", "b.py": "y = 2\n"})
    result = cold_then_warm(root, tmp_path / "cache", upper_lines)
    assert result.read == []  # the store was written and read back whole
    path = store_path(tmp_path / "cache", root.resolve())
    whole = path.read_bytes()
    for junk in (whole[:-3], whole[:20], whole[:8] + b"\xff" * (len(whole) - 8),
                 (10**9).to_bytes(8, "little") + whole[8:]):
        path.write_bytes(junk)
        store = FactStore(path)
        assert store.lookup("test.lines/1")("k") is None
        assert store.trusted_key("a.py", Signature(1, 1, 1, 1)) is None
        assert upper_lines(Project(root, cache_dir=tmp_path / "cache")) == {"a.py": 1, "b.py": 1}


def test_store_lives_in_the_cache_named_by_root_and_versions(tmp_path: Path) -> None:
    one = store_path(tmp_path, Path("/repo/one"))
    two = store_path(tmp_path, Path("/repo/two"))
    assert one != two and one.parent == two.parent and one.is_relative_to(tmp_path)


def test_unwritable_cache_is_not_an_error(make_project: MakeProject, tmp_path: Path) -> None:
    root = make_project({"a.py": "x\n"})
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder should be", encoding="utf-8")
    project = Project(root, cache_dir=blocker)
    assert upper_lines(project) == {"a.py": 1}
    project.save_facts()  # must not raise


def test_identical_content_shares_answers(make_project: MakeProject, tmp_path: Path) -> None:
    root = make_project({"a.py": "same\n", "b.py": "same\n"})
    age(root)
    calls: list[str] = []

    def compute(text: str) -> int:
        calls.append(text)
        return len(text)

    project = Project(root, cache_dir=tmp_path / "cache")
    assert project.facts(project.files, "test.len/1", compute) == {"a.py": 5, "b.py": 5}
    assert len(calls) == 1


def test_saving_is_skipped_when_nothing_is_new(make_project: MakeProject,
                                               tmp_path: Path) -> None:
    root = make_project({"a.py": "x\n"})
    cache = tmp_path / "cache"
    cold_then_warm(root, cache, upper_lines)
    stored = store_path(cache, root.resolve())
    before = stored.stat().st_mtime_ns
    time.sleep(0.01)
    project = Project(root, cache_dir=cache)
    upper_lines(project)
    project.save_facts()
    assert stored.stat().st_mtime_ns == before


def test_an_answer_that_cannot_be_stored_is_dropped_and_the_rest_kept(
        make_project: MakeProject, tmp_path: Path) -> None:
    from typing import NamedTuple

    class Record(NamedTuple):
        n: int

    root = make_project({"a.py": "x\n"})
    age(root)
    cache = tmp_path / "cache"
    project = Project(root, cache_dir=cache)
    assert project.facts(project.files, "test.record/1", lambda t: Record(1)) == \
        {"a.py": Record(1)}
    upper_lines(project)
    project.save_facts()
    again = Project(root, cache_dir=cache)
    assert again.stored_fact("a.py", "test.lines/1") == (True, 1)
    assert again.stored_fact("a.py", "test.record/1") == (False, None)


def test_a_store_of_the_wrong_shape_is_an_empty_one(tmp_path: Path) -> None:
    import marshal

    from readiness.project.filefacts import FORMAT, _sized

    path = tmp_path / "store.marshal"
    right = bytes(Signature(1, 1, 1, 1))
    for known in ({"a.py": 5}, {"a.py": ((1, 2), 0)}, {"a.py": ("sig", 0)},
                  {"a.py": ((1, 1, 1, 1), 0)}, {"a.py": (right[:8], 0)},
                  {"a.py": (right, 7)}, [1, 2]):
        path.write_bytes(_sized(marshal.dumps((FORMAT, time.time_ns(), 1, 1, 0)))
                         + _sized(marshal.dumps(["k"])) + _sized(marshal.dumps(known)))
        store = FactStore(path)
        assert store.trusted_key("a.py", Signature(1, 1, 1, 1)) is None
    path.write_bytes(_sized(marshal.dumps((FORMAT, time.time_ns(), 1, 1, 0)))
                     + _sized(marshal.dumps(["k"]))
                     + _sized(marshal.dumps({"a.py": (right, 0)})))
    assert FactStore(path).trusted_key("a.py", Signature(1, 1, 1, 1)) == "k"  # the right shape


def test_paths_and_answers_are_saved_in_parts_and_read_back_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from readiness.project import filefacts

    monkeypatch.setattr(filefacts, "CHUNK", 3)  # 10 keys, paths and answers: four parts each
    path = tmp_path / "store.marshal"
    store = FactStore(path)
    for n in range(10):
        store.learn(f"f{n}.py", Signature(n, 1, 1, n), f"key{n}")
        store.put(f"key{n}", "q/1", [n] * n)
    store.put("key0", "other/1", "only one")
    store.save(frozenset(f"f{n}.py" for n in range(10)))
    again = FactStore(path)
    assert [again.trusted_key(f"f{n}.py", Signature(n, 1, 1, n)) for n in range(10)] == \
        [f"key{n}" for n in range(10)]
    assert [again.get(f"key{n}", "q/1") for n in range(10)] == [(True, [n] * n) for n in range(10)]
    assert again.get("key0", "other/1") == (True, "only one")


def test_large_answers_are_kept_compressed(tmp_path: Path) -> None:
    import marshal

    from readiness.project.filefacts import COMPRESS_SIZE, decode, encode

    big = [f"call {n}" for n in range(COMPRESS_SIZE)]
    encoded = encode(big)
    assert encoded is not None and encoded[:1] == b"\x00"
    assert len(encoded) < len(marshal.dumps(big)) / 2
    assert decode(encoded) == big
    assert encode("small") == marshal.dumps("small")  # plain marshal below the size
    store = FactStore(tmp_path / "store.marshal")
    store.put("k", "q/1", big)
    store.learn("a.py", Signature(1, 1, 1, 1), "k")
    store.save(frozenset({"a.py"}))
    assert FactStore(tmp_path / "store.marshal").get("k", "q/1") == (True, big)
    store.put_encoded("k", "q/1", encoded[:40])  # a corrupt one is computed again
    assert store.get("k", "q/1") == (False, None)


def test_answers_of_changed_files_are_dropped_and_the_rest_renumbered(tmp_path: Path) -> None:
    path = tmp_path / "store.marshal"
    store = FactStore(path)
    for n in range(6):
        store.learn(f"f{n}.py", Signature(n, 1, 1, n), f"key{n}")
        store.put(f"key{n}", "q/1", n % 2 == 0)  # small answers: one-byte codes
        store.put(f"key{n}", "big/1", [f"row {n} {i}" for i in range(300)])  # kept apart
    store.save(frozenset(f"f{n}.py" for n in range(6)))
    again = FactStore(path)
    again.learn("f1.py", Signature(9, 1, 1, 1), "key1b")  # f1 changed, f4 is gone
    again.put("key1b", "q/1", "changed")
    again.save(frozenset({"f0.py", "f1.py", "f2.py", "f3.py", "f5.py"}))
    third = FactStore(path)
    assert third._keys == ["key0", "key2", "key3", "key5", "key1b"]  # numbered again
    for n in (0, 2, 3, 5):
        assert third.get(f"key{n}", "q/1") == (True, n % 2 == 0)
        assert third.get(f"key{n}", "big/1") == (True, [f"row {n} {i}" for i in range(300)])
    assert third.get("key1b", "q/1") == (True, "changed")
    assert third.get("key1", "q/1") == third.get("key4", "q/1") == (False, None)
    assert third.trusted_key("f4.py", Signature(4, 1, 1, 4)) is None


def test_many_distinct_small_answers_and_answers_that_change_size(tmp_path: Path) -> None:
    path = tmp_path / "store.marshal"
    store = FactStore(path)
    for n in range(600):  # more distinct small answers than one byte can number
        store.learn(f"f{n}.py", Signature(n, 1, 1, n), f"key{n}")
        store.put(f"key{n}", "q/1", n)
    store.put("key1", "q/1", "x" * 500)  # a small answer replaced by a large one
    store.put("key2", "q/1", "x" * 500)
    store.put("key2", "q/1", 7)  # and back
    store.save(frozenset(f"f{n}.py" for n in range(600)))
    again = FactStore(path)
    assert [again.get(f"key{n}", "q/1")[1] for n in range(600)] == \
        [0, "x" * 500, 7, *range(3, 600)]


def test_answers_whose_codes_point_nowhere_are_an_empty_store(tmp_path: Path) -> None:
    import marshal

    from readiness.project.filefacts import FORMAT, _sized

    path = tmp_path / "store.marshal"
    path.write_bytes(_sized(marshal.dumps((FORMAT, time.time_ns(), 1, 1, 1)))
                     + _sized(marshal.dumps(["k"]))
                     + _sized(marshal.dumps({"a.py": (bytes(Signature(1, 1, 1, 1)), 0)}))
                     + _sized(marshal.dumps(("q/1", [b""], b"\x05", 0))))
    store = FactStore(path)
    assert store.get("k", "q/1") == (False, None)
    assert store.trusted_key("a.py", Signature(1, 1, 1, 1)) is None


def test_files_of_any_date_have_signatures(make_project: MakeProject, tmp_path: Path) -> None:
    assert Signature(1, -5, 0, 0) != Signature(1, 5, 0, 0)  # before 1970
    assert Signature(1, 2**70, 0, 2**64 + 3) == Signature(1, 2**70, 0, 3)  # modulo 2 ** 64
    root = make_project({"a.py": "x = 1\n", "b.py": "y = 2\n"})
    far = 15 * 10**18  # the year 2445: past what a signed 64-bit count of ns holds
    try:
        os.utime(root / "a.py", ns=(far, far))
        os.utime(root / "b.py", ns=(-10**18, -10**18))  # 1938
    except (OSError, OverflowError):
        pytest.skip("this file system cannot date a file so far out")
    for _ in range(2):  # cold, then warm: never trusted (never old enough), read again
        project = Project(root, cache_dir=tmp_path / "cache")
        assert set(project.files) == {"a.py", "b.py"}
        assert upper_lines(project) == {"a.py": 1, "b.py": 1}
        project.save_facts()


def test_small_unchangeable_answers_are_decoded_once_and_lists_never_shared() -> None:
    empty, found = encode(()), encode(((3, "sk-…", "OpenAI API key"),))
    assert empty is not None and found is not None
    assert decode(empty) == () and decode(found) == ((3, "sk-…", "OpenAI API key"),)
    assert decode(found) is decode(found)  # a tuple of plain values: shared
    listed = encode([[1, "a"]])
    assert listed is not None
    first = decode(listed)
    first.append("changed by a caller")
    assert decode(listed) == [[1, "a"]]  # a list: decoded anew each time
    nested = encode(((1, [2]),))
    assert nested is not None and decode(nested) is not decode(nested)
    assert decode(encode(None) or b"") is None and decode(encode(False) or b"") is False


def _long(n: int) -> list[str]:
    return [f"finding {n} {i}" for i in range(20)]  # marshalled: ~300 bytes, not compressed


def test_long_answers_learnt_in_a_run_wait_in_the_spill_and_are_saved(tmp_path: Path) -> None:
    """A cold run's long answers leave memory for an unnamed temporary file until saved;
    they are read back when asked for in the run, and saved whole."""
    path = tmp_path / "store.marshal"
    store = FactStore(path)
    for n in range(5):
        store.learn(f"f{n}.py", Signature(n, 1, 1, n), f"key{n}")
        store.put(f"key{n}", "q/1", _long(n))
        store.put(f"key{n}", "small/1", n % 2 == 0)
    answers = store._facts["q/1"].other
    assert sorted(answers) == [0, 1, 2, 3, 4]
    assert all(isinstance(place, int) for place in answers.values())  # not bytes: spilled
    assert store._facts["small/1"].other == {}  # short answers stay codes in memory
    assert [store.get(f"key{n}", "q/1") for n in range(5)] == [(True, _long(n)) for n in range(5)]
    store.put("key2", "q/1", _long(7))  # a new answer for a key: the newest one counts
    assert store.get("key2", "q/1") == (True, _long(7))
    store.save(frozenset(f"f{n}.py" for n in range(5)))
    again = FactStore(path)
    assert [again.get(f"key{n}", "q/1")[1] for n in range(5)] == \
        [_long(0), _long(1), _long(7), _long(3), _long(4)]
    assert not any(isinstance(place, int) for place in again._facts["q/1"].other.values())
    store.close()
    assert store.get("key1", "q/1") == (False, None)  # let go of: computed again, no error


def test_without_a_spill_long_answers_stay_in_memory(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """No temporary file to be had, or a full disk: the answers are kept as before."""
    from readiness.project import filefacts

    def no_file() -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(filefacts.tempfile, "TemporaryFile", no_file)
    store = FactStore(tmp_path / "a.marshal")
    store.put("k", "q/1", _long(1))
    store.put("j", "q/1", _long(2))
    assert all(isinstance(v, bytes) for v in store._facts["q/1"].other.values())
    assert store.get("k", "q/1") == (True, _long(1))
    monkeypatch.undo()

    def full(_fd: int, _data: object, _offset: int) -> int:
        raise OSError(28, "No space left on device")

    store = FactStore(tmp_path / "b.marshal")
    store.put("k", "q/1", _long(1))  # the spill is made and takes it
    monkeypatch.setattr(filefacts.os, "pwrite", full)
    store.put("j", "q/1", _long(2))  # the disk is full now: kept in memory
    kept = store._facts["q/1"].other
    assert isinstance(kept[0], int) and isinstance(kept[1], bytes)
    assert store.get("k", "q/1") == (True, _long(1))
    assert store.get("j", "q/1") == (True, _long(2))


def test_a_spilled_answer_that_cannot_be_read_back_is_computed_again(
        make_project: MakeProject) -> None:
    """A spill cut short under the run (its answers lost) means work again, not a wrong
    answer or a failed run."""
    root = make_project({"a.py": "x\n" * 3, "b.py": "y\n" * 5})
    project = Project(root)
    calls: list[str] = []

    def long_lines(text: str) -> list[str]:
        calls.append(text)
        return [f"line {n} of {len(text)}" for n in range(text.count("\n") * 10)]

    first = project.facts(project.files, "test.long/1", long_lines)
    os.ftruncate(project._store._spill._fd, 0)  # type: ignore[union-attr]
    assert project.facts(project.files, "test.long/1", long_lines) == first
    assert len(calls) == 4
    project.close()


def test_an_answer_longer_than_a_place_can_say_stays_in_memory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from readiness.project import filefacts

    monkeypatch.setattr(filefacts, "_LENGTH", 255)  # a place's length: at most 255 bytes
    store = FactStore(tmp_path / "a.marshal")
    short, long = [f"row {n:5}" for n in range(10)], [f"row {n:5}" for n in range(40)]
    store.put("short", "q/1", short)  # 115 bytes: spilled
    store.put("long", "q/1", long)  # 445 bytes: kept as it is
    kept = store._facts["q/1"].other
    assert isinstance(kept[0], int) and isinstance(kept[1], bytes)
    assert store.get("short", "q/1") == (True, short)
    assert store.get("long", "q/1") == (True, long)


def test_one_answer_kept_for_many_keys_at_once(tmp_path: Path) -> None:
    """``put_same`` (a gate's answer for thousands of files): a short answer becomes the
    same code for each key, replacing what they had; an answer too long for a code is kept
    for each key all the same; both are saved and read back."""
    path = tmp_path / "store.marshal"
    store = FactStore(path)
    keys = [f"key{n}" for n in range(300)]
    for n, key in enumerate(keys):
        store.learn(f"f{n}.py", Signature(n, 1, 1, n), key)
    store.put("key7", "q/1", _long(7))  # a long answer, replaced below
    store.put("key8", "q/1", 8)
    store.put_same("q/1", keys[5:], encode(()) or b"")
    store.put_same("long/1", keys[:3], encode(_long(1)) or b"")
    assert store._facts["q/1"].other == {} and store._facts["q/1"].values == [
        b"", encode(8), encode(())]
    assert [store.get(key, "q/1") for key in keys[4:9]] == [
        (False, None), (True, ()), (True, ()), (True, ()), (True, ())]
    store.save(frozenset(f"f{n}.py" for n in range(300)))
    again = FactStore(path)
    assert [again.get(key, "q/1")[1] for key in keys] == [None] * 5 + [()] * 295
    assert [again.get(key, "long/1")[1] for key in keys[:4]] == [_long(1)] * 3 + [None]
