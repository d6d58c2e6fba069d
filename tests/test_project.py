from __future__ import annotations

import gc
import os
import threading
import time
from pathlib import Path

import pytest

from readiness.project.cache import content_key
from readiness.project.snapshot import Project, parse_python, read_keyed, read_text
from tests.conftest import MakeProject, git

APP = "from openai import OpenAI\nclient = OpenAI(timeout=30)\n"


def test_gitignore_honoured_in_git_repository(make_project: MakeProject) -> None:
    root = make_project({".gitignore": "build/\n*.log\n", "app.py": APP, "build/gen.py": "x = 1\n",
                         "debug.log": "noise\n", "src/ok.py": "y = 2\n"}, git=True)
    (root / "untracked.py").write_text("z = 3\n")
    project = Project(root)
    assert project.files == (".gitignore", "app.py", "src/ok.py", "untracked.py")
    assert project.git is not None and project.git.commit is not None
    assert project.git.dirty is True


def test_gitignore_honoured_without_git(make_project: MakeProject) -> None:
    root = make_project({".gitignore": "build/\n*.log\n!keep.log\n", "app.py": APP,
                         "build/gen.py": "x = 1\n", "debug.log": "n\n", "keep.log": "k\n",
                         "pkg/.gitignore": "secret.txt\n", "pkg/secret.txt": "s\n",
                         "pkg/mod.py": "m = 1\n", "node_modules/x/index.js": "//\n"})
    project = Project(root)
    assert project.git is None
    assert project.files == (".gitignore", "app.py", "keep.log", "pkg/.gitignore", "pkg/mod.py")


def test_text_and_ast_are_read_once(make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
                                    ) -> None:
    project = Project(make_project({"app.py": APP}))
    reads: list[str] = []
    original = Project._read_text

    def counting(self: Project, rel: str) -> str | None:
        reads.append(rel)
        return original(self, rel)

    monkeypatch.setattr(Project, "_read_text", counting)
    first = project.python_ast("app.py")
    assert first is project.python_ast("app.py")
    assert project.text("app.py") == APP
    assert reads == ["app.py"]


def test_unusable_files_are_skipped_with_a_reason(make_project: MakeProject,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("readiness.project.snapshot.MAX_TEXT_BYTES", 1000)
    root = make_project({
        "binary.py": b"\x00\x01\x02ELF",
        "latin.txt": b"caf\xe9\n",
        "declared.py": b"# -*- coding: latin-1 -*-\nname = 'caf\xe9'\n",
        "bom.py": b"\xef\xbb\xbfx = 1\r\ny = 2\r\n",
        "huge.txt": "x" * 2000,
        "broken.py": "def (:\n",
        "deep.py": "x = " + "(" * 500 + "1" + ")" * 500 + "\n",
    })
    os.symlink(root / "loop", root / "loop")
    os.symlink("/etc/passwd", root / "outside")
    os.symlink("bom.py", root / "inside-link.py")
    project = Project(root)
    assert "loop" not in project.files and "outside" not in project.files
    assert project.text("binary.py") is None
    assert project.text("latin.txt") is None
    assert project.text("declared.py") == "# -*- coding: latin-1 -*-\nname = 'café'\n"
    assert project.text("bom.py") == "x = 1\ny = 2\n"
    assert project.text("huge.txt") is None
    assert project.python_ast("broken.py") is None
    assert project.python_ast("deep.py") is None or project.python_ast("deep.py") is not None
    reasons = dict(project.skipped)
    assert reasons["binary.py"] == "binary content"
    assert reasons["latin.txt"] == "not valid utf-8-sig text"
    assert reasons["huge.txt"] == "larger than 0 MB; not read"
    assert reasons["broken.py"] == "Python that does not parse"
    assert reasons["loop"] == "symlink is broken or loops; not followed"
    assert reasons["outside"] == "symlink points outside the repository; not followed"
    assert "inside-link.py" not in reasons


@pytest.mark.parametrize(("name", "data", "expected"), [
    ("second.py", b"#!/usr/bin/env python\n# coding: latin-1\nx = '\xe9'\n",
     ("#!/usr/bin/env python\n# coding: latin-1\nx = '\u00e9'\n", None)),
    # a declaration on the third line is no declaration (PEP 263): read as UTF-8
    ("third.py", b"\n\n# coding: latin-1\nx = '\xe9'\n", (None, "not valid utf-8 text")),
    ("undeclared.py", b"x = '\xe9'\n", (None, "not valid utf-8-sig text")),
    ("bom-declared.py", b"\xef\xbb\xbf# coding: utf-8\nx = 1\n",
     ("# coding: utf-8\nx = 1\n", None)),
    # a BOM and another declared encoding: tokenize refuses, the BOM's UTF-8 is read
    ("bom-latin.py", b"\xef\xbb\xbf# coding: latin-1\nx = 1\n",
     ("# coding: latin-1\nx = 1\n", None)),
    # an unknown declared encoding is Python's error, not ours: the text is read as UTF-8
    ("unknown.py", b"# coding: klingon\nx = 1\n", ("# coding: klingon\nx = 1\n", None)),
    ("bom-only.txt", b"\xef\xbb\xbf", ("", None)),
    ("two-boms.txt", b"\xef\xbb\xbf\xef\xbb\xbfx", ("\ufeffx", None)),
    ("crlf.txt", b"a\r\nb\r\n", ("a\nb\n", None)),
    # CRLF pairs become LF in every encoding; a lone CR stays
    ("crlf-bom.txt", b"\xef\xbb\xbf\xc3\xa9\r\nb\rc\r\n", ("\u00e9\nb\rc\n", None)),
    ("crlf-latin.py", b"# coding: latin-1\r\nx = '\xe9'\r\n",
     ("# coding: latin-1\nx = '\u00e9'\n", None)),
    ("crlf-bad.txt", b"a\r\n\xff", (None, "not valid utf-8-sig text")),
    ("multibyte.txt", "caf\u00e9 \u2603 \U0001f600\n".encode(),
     ("caf\u00e9 \u2603 \U0001f600\n", None)),
    ("surrogate.txt", b"x\xed\xa0\x80", (None, "not valid utf-8-sig text")),  # (CESU-8)
    ("late-nul.txt", b"a" * 8192 + b"\0", ("a" * 8192 + "\0", None)),
    ("nul.txt", b"a" * 8191 + b"\0", (None, "binary content")),
    ("empty.py", b"", ("", None)),
])
def test_read_text_decodes_as_python_and_utf_8_sig(tmp_path: Path, name: str, data: bytes,
                                                   expected: tuple[str | None, str | None]
                                                   ) -> None:
    (tmp_path / name).write_bytes(data)
    assert read_text(tmp_path / name) == expected
    # the key read with the text is the text's content_key, whichever way it was decoded
    # (hashed from the bytes when they are the text's UTF-8, from the text otherwise)
    text, problem = expected
    assert read_keyed(tmp_path / name) == (
        text, problem, content_key(text) if text is not None else None)


@pytest.mark.parametrize(("size", "told"), [(0, 0), (9, 9), (10, 10), (11, 11), (40, 40),
                                           (10, 3), (40, 3), (10, 0), (5, 9)])
def test_read_text_reads_the_whole_file_up_to_the_bound(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int, told: int) -> None:
    """One read of the size ``fstat`` tells, plus one byte; a file that grew since (it
    tells less than there is) is read on up to the bound, and one that shrank gives what
    is left."""
    monkeypatch.setattr("readiness.project.snapshot.MAX_TEXT_BYTES", 10)
    data = "".join(chr(ord("a") + n % 26) for n in range(size))
    (tmp_path / "notes.txt").write_text(data)
    real_fstat = os.fstat

    def fstat(fd: int) -> os.stat_result:
        status = real_fstat(fd)
        return os.stat_result((*status[:6], told, *status[7:]))

    monkeypatch.setattr("readiness.project.snapshot.os.fstat", fstat)
    expected = (data, None) if size <= 10 else (None, "larger than 0 MB; not read")
    assert read_text(tmp_path / "notes.txt") == expected


def test_read_text_of_a_directory_is_unreadable(tmp_path: Path) -> None:
    assert read_text(tmp_path) == (None, "unreadable: Is a directory")


def test_read_text_does_not_wait_on_a_fifo(tmp_path: Path) -> None:
    """A FIFO put where the walk saw a file (no writer: a plain read would wait forever)."""
    os.mkfifo(tmp_path / "app.py")
    done: list[tuple[str | None, str | None]] = []
    reader = threading.Thread(target=lambda: done.append(read_text(tmp_path / "app.py")),
                              daemon=True)
    reader.start()
    reader.join(timeout=10)
    assert done == [(None, "not a regular file; not read")]


def test_parse_python_survives_recursion() -> None:
    assert parse_python("x = " + "[" * 100_000 + "]" * 100_000) is None


def test_parse_python_is_safe_across_threads() -> None:
    # checks parse in their own threads: on CPython 3.11, a collection in the middle of one
    # ast.parse that lets another thread parse made one of them fail with "SystemError: AST
    # constructor recursion depth mismatch" (aider's workflow-integration errored so in a
    # test run). A collection callback that sleeps makes the switch happen at once.
    source = "\n".join(f"def f{i}(a, b):\n    return [(a + b) * {i} for _ in range(3)]"
                       for i in range(400))
    errors: list[BaseException] = []
    trees: list[object] = []

    def pause(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            time.sleep(0.0005)

    def work() -> None:
        try:
            trees.extend(parse_python(source) for _ in range(5))
        except SystemError as exc:
            errors.append(exc)

    threshold = gc.get_threshold()
    gc.callbacks.append(pause)
    gc.set_threshold(50)
    try:
        threads = [threading.Thread(target=work) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        gc.callbacks.remove(pause)
        gc.set_threshold(*threshold)
    assert errors == []
    assert len(trees) == 15 and all(tree is not None for tree in trees)
    assert parse_python("print 'python 2'") is None
    assert parse_python("x = 1\n") is not None


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read unreadable files")
def test_unreadable_file(make_project: MakeProject) -> None:
    root = make_project({"secret.py": "x = 1\n"})
    (root / "secret.py").chmod(0)
    project = Project(root)
    assert project.text("secret.py") is None
    assert "unreadable" in dict(project.skipped)["secret.py"]


def test_glob_and_exists(make_project: MakeProject) -> None:
    project = Project(make_project({"docs/a.md": "#", "docs/sub/b.md": "#", "c.md": "#"}))
    assert project.glob("docs/*.md") == ["docs/a.md"]
    assert project.glob("**/*.md") == ["c.md", "docs/a.md", "docs/sub/b.md"]
    assert project.exists("docs/sub") and project.exists("docs/sub/")
    assert not project.exists("doc")


def test_git_facts_last_change_and_subfolder_root(make_project: MakeProject) -> None:
    root = make_project({"svc/app.py": APP, "svc/prompts/system.txt": "You are helpful.\n",
                         "other.py": "o = 1\n"}, git=True)
    (root / "svc/prompts/system.txt").write_text("You are terse.\n")
    git(root, "commit", "-qam", "tune prompt", date="2026-11-20T09:30:00+00:00")
    project = Project(root / "svc")
    assert project.files == ("app.py", "prompts/system.txt")
    assert project.git is not None
    change = project.git.last_change("prompts/system.txt")
    assert change is not None and change.date.isoformat() == "2026-11-20T09:30:00+00:00"
    app_change = project.git.last_change("app.py")
    assert app_change is not None and app_change.date.day == 1
    assert project.git.last_change("missing.py") is None


def test_empty_git_repository(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    (tmp_path / "a.py").write_text("x = 1\n")
    project = Project(tmp_path)
    assert project.git is not None and project.git.commit is None
    assert project.files == ("a.py",)
    assert project.git.last_change("a.py") is None


def test_exclude_patterns(make_project: MakeProject) -> None:
    project = Project(make_project({"vendor/lib.py": "x\n", "app.py": APP}),
                      exclude=["vendor/**"])
    assert project.files == ("app.py",)


def test_release_drops_analyses_and_texts_and_keeps_answering(make_project: MakeProject,
                                                              tmp_path: Path) -> None:
    root = make_project({"a.py": "x = 1\n"})
    project = Project(root, cache_dir=tmp_path / "cache")
    built: list[int] = []
    assert project.shared("test.analysis", lambda p: built.append(1) or len(built)) == 1
    assert project.text("a.py") == "x = 1\n" and project.python_ast("a.py") is not None
    project.release()
    assert not project._shared and not project._text and not project._ast
    assert project.shared("test.analysis", lambda p: built.append(1) or len(built)) == 2
    assert project.text("a.py") == "x = 1\n"  # read again when asked
    project.save_facts()  # the learnt facts are still there to be saved


def test_one_malloc_arena_is_quiet_without_glibc(monkeypatch: pytest.MonkeyPatch) -> None:
    import ctypes

    from readiness.process import one_malloc_arena

    one_malloc_arena()  # this machine's C library, whatever it is

    def no_library(*_args: object) -> object:
        raise OSError("no C library here")

    monkeypatch.setattr(ctypes, "CDLL", no_library)
    one_malloc_arena()


def test_a_worker_collects_cycles_as_rarely_as_the_command(tmp_path: Path) -> None:
    import gc
    import operator

    from readiness.process import GC_THRESHOLDS
    from readiness.project.workers import Workers

    workers = Workers(tmp_path, 1)
    try:
        answers = workers.map(operator.call, [gc.get_threshold])
    finally:
        workers.close()
    if answers is None:
        pytest.skip("no worker processes can start here")
    assert answers == [GC_THRESHOLDS]


def test_translation_files_are_told_apart_whichever_set_is_kept(make_project: MakeProject
                                                                 ) -> None:
    """``Project.translation`` keeps the smaller of the two sets (the translation files,
    or the others) and answers the same as ``is_translation`` either way, for listed
    paths and for paths not listed."""
    from readiness.project.sourcetext import is_translation

    few = {"app.py": "x = 1\n", "conf/settings.json": "{}\n", "ui/translations/de.json": "{}\n"}
    many = {**few, **{f"ui/translations/{tag}.json": "{}\n" for tag in ("en", "fr", "pt-BR")}}
    for files, holds in ((few, True), (many, False)):
        project = Project(make_project(files))
        asked = [*project.files, "other/locales/it.yaml", "other/notes.md"]
        assert [project.translation(rel) for rel in asked] == [is_translation(r) for r in asked]
        assert project._translations is not None and project._translations[0] is holds
