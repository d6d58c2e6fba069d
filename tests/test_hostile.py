"""The scanner never crashes, never follows links out, never lets input inject into output."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from readiness.cli import FORMATS, main
from tests.conftest import git, init_repo, write_files
from tests.hostile import (
    HOSTILE_NAME,
    add_submodule,
    detach,
    make_hostile,
    shallow_clone,
    unlock,
)

DAY = "2026-11-24"
# Control characters other than tab, newline, carriage return: never in any output.
RAW_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_hostile(tmp_path_factory.mktemp("hostile") / "repo")
    yield root
    unlock(root)


@pytest.mark.parametrize("fmt", FORMATS)
def test_hostile_repository_in_every_format(hostile: Path, fmt: str) -> None:
    code, out, err = run("check", str(hostile), "--date", DAY, "-f", fmt, "--no-cache")
    assert code in (0, 1), err
    assert "Traceback" not in err
    assert not RAW_CONTROL.search(out), repr(RAW_CONTROL.search(out))
    if fmt in ("html", "markdown"):
        assert "<script>" not in out and "<img src=x" not in out
    if fmt == "terminal":
        assert "proj [bold red]rich[/bold" in out  # printed literally, not interpreted


def test_hostile_json_records_what_was_skipped(hostile: Path) -> None:
    code, out, _ = run("check", str(hostile), "--date", DAY, "-f", "json", "--no-cache")
    card = json.loads(out)
    notes = "\n".join(card["notes"])
    assert "skipped binary.py: binary content" in notes
    assert "skipped huge.log: larger than 5 MB; not read" in notes or "more files skipped" in notes
    assert "loop-a" in notes or "more files skipped" in notes
    assert card["project"]["name"].startswith("proj [bold red]")
    waiver_note = [n for n in card["notes"] if n.startswith("waiver for pilot-success-criteria")]
    assert waiver_note and "expired on 2026-09-02" in waiver_note[0]


def test_links_are_never_followed_out(hostile: Path) -> None:
    from readiness.project import Project

    project = Project(hostile)
    assert "outside-file.py" not in project.files
    assert not any(f.startswith("outside-dir") for f in project.files)
    assert project.text("outside-file.py") is None
    assert HOSTILE_NAME in project.files


def test_determinism_whatever_the_listing_order(tmp_path: Path) -> None:
    files = {f"pkg/mod{i}.py": f"x = {i}\n" for i in range(30)}
    files["readiness.yaml"] = "version: 1\ntimeline: {pilot_start: 2026-09-01}\n"
    outputs = []
    for order in (sorted(files), sorted(files, reverse=True)):
        root = tmp_path / "repo"
        if root.exists():
            shutil.rmtree(root)
        root.mkdir()
        write_files(root, {name: files[name] for name in order})
        outputs.append(run("check", str(root), "--date", DAY, "-f", "json", "--no-cache")[1])
    assert outputs[0] == outputs[1]


@pytest.mark.parametrize("shape", ["empty-git", "not-git", "shallow", "detached", "submodule"])
def test_repository_shapes(tmp_path: Path, shape: str) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    if shape == "empty-git":
        git(root, "init", "-q")
    elif shape == "not-git":
        write_files(root, {"app.py": "x = 1\n"})
    else:
        write_files(root, {"app.py": "x = 1\n", "docs/a.md": "# a\n"})
        init_repo(root)
        git(root, "commit", "-q", "--allow-empty", "-m", "second")
        if shape == "shallow":
            root = shallow_clone(root, tmp_path / "shallow")
        elif shape == "detached":
            detach(root)
        else:
            sub = tmp_path / "sub"
            sub.mkdir()
            write_files(sub, {"lib.py": "y = 2\n"})
            init_repo(sub)
            add_submodule(root, sub)
    code, out, err = run("check", str(root), "--date", DAY, "-f", "json", "--no-cache")
    assert code in (0, 1), err
    card = json.loads(out)
    if shape in ("shallow", "detached", "submodule"):
        assert card["project"]["commit"] is not None
    if shape == "empty-git":
        assert card["project"]["commit"] is None


def test_many_files(tmp_path: Path) -> None:
    root = tmp_path / "many"  # 20,000 files
    for folder in range(200):
        (root / f"d{folder}").mkdir(parents=True)
        for index in range(100):
            (root / f"d{folder}" / f"m{index}.py").write_text(f"v = {index}\n")
    code, out, _ = run("check", str(root), "--date", DAY, "-f", "json", "--no-cache")
    assert code in (0, 1)
    assert json.loads(out)["verdict"] in ("GO", "CONDITIONAL_GO", "NO_GO")
