"""Fetch the real-code corpus: published LLM applications, pinned, verified, extracted.

Usage::

    python scripts/corpus.py fetch [NAME...]   download, verify and extract (idempotent)
    python scripts/corpus.py path NAME         print the folder of one fetched app
    python scripts/corpus.py list              every app in the manifest and whether it is here

The apps are listed in ``tests/corpus/manifest.yaml`` (package, pinned version, ``wheel`` or
``sdist``, the sha256 of the file). Each is downloaded with ``pip download --no-deps`` (so
the index configured for pip is used, and nothing is installed), checked against its
sha256 and unpacked into ``$READINESS_CORPUS`` (default ``~/.cache/readiness/corpus``) as
``<name>/``. An sdist's single top-level folder is stripped, so ``<name>/`` is always the
folder the tests scan. A ``.complete`` marker holding the sha256 makes a second fetch a
no-op.

The archives are third-party input: only regular files and folders are unpacked, under the
app's folder, never over each other; absolute names, ``..``, links and devices refuse the
whole archive; the unpacked size and member count are capped. Nothing is imported or run,
except that pip prepares an sdist's metadata with its build backend (build isolation is
off, so the backend must be installed): the manifest uses wheels where one exists.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import os
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path, PurePosixPath
from typing import IO, NamedTuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "tests" / "corpus" / "manifest.yaml"
MARKER = ".complete"
MAX_BYTES = 512 * 1024 * 1024  # unpacked, per app; the largest (a few thousand files) is ~110 MB
MAX_MEMBERS = 50_000
PIP_SECONDS = 300
KINDS = ("sdist", "wheel")
_FIELDS = ("name", "package", "version", "kind", "sha256", "why")


class CorpusError(Exception):
    """A problem worth one line: bad manifest, failed download, unsafe archive."""


class App(NamedTuple):
    """One pinned application of the corpus."""

    name: str
    package: str
    version: str
    kind: str  # "sdist" or "wheel"
    sha256: str
    why: str


def corpus_root() -> Path:
    """``$READINESS_CORPUS``, else ``~/.cache/readiness/corpus``."""
    explicit = os.environ.get("READINESS_CORPUS")
    if explicit:
        return Path(explicit).expanduser()
    return Path.home() / ".cache" / "readiness" / "corpus"


def load_manifest(path: Path = MANIFEST) -> tuple[App, ...]:
    """The apps of the manifest, validated."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CorpusError(f"{path}: cannot read the manifest: {exc}") from exc
    entries = data.get("apps") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise CorpusError(f"{path}: expected a non-empty list under 'apps'")
    apps: list[App] = []
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or set(entry) != set(_FIELDS):
            raise CorpusError(f"{path}: app #{number} must have exactly {', '.join(_FIELDS)}")
        app = App(**{key: str(entry[key]) for key in _FIELDS})
        if not app.name.replace("-", "").isalnum() or not app.name.islower():
            raise CorpusError(f"{path}: app #{number}: name {app.name!r} is not a short id")
        if app.kind not in KINDS:
            raise CorpusError(f"{path}: {app.name}: kind must be one of {', '.join(KINDS)}")
        if len(app.sha256) != 64 or any(c not in "0123456789abcdef" for c in app.sha256):
            raise CorpusError(f"{path}: {app.name}: sha256 must be 64 lowercase hex digits")
        if app.name in {a.name for a in apps}:
            raise CorpusError(f"{path}: {app.name}: listed twice")
        apps.append(app)
    return tuple(apps)


def app_folder(app: App, root: Path) -> Path:
    return root / app.name


def is_fetched(app: App, root: Path) -> bool:
    """Is the app unpacked, from the file the manifest pins?"""
    folder = app_folder(app, root)
    marker = folder / MARKER
    if folder.is_symlink() or not folder.is_dir() or marker.is_symlink():
        return False
    try:
        return marker.read_text(encoding="ascii").strip() == app.sha256
    except (OSError, UnicodeDecodeError):
        return False


# --- download ---------------------------------------------------------------------------

def download(app: App, into: Path) -> Path:
    """``pip download`` the pinned file into an empty folder; return it, sha256 verified."""
    binary = ["--only-binary", ":all:"] if app.kind == "wheel" else ["--no-binary", ":all:"]
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-build-isolation",
               "--disable-pip-version-check", "--quiet", *binary, "-d", str(into),
               f"{app.package}=={app.version}"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=PIP_SECONDS,
                              stdin=subprocess.DEVNULL, check=False)
    except subprocess.TimeoutExpired as exc:
        raise CorpusError(f"{app.name}: pip download took over {PIP_SECONDS} s") from exc
    if done.returncode != 0:
        lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith("ERROR")] or lines[-1:]
        raise CorpusError(f"{app.name}: pip download failed: {errors[0] if errors else '?'}")
    files = [p for p in into.iterdir() if p.is_file()]
    if len(files) != 1:
        raise CorpusError(f"{app.name}: expected one downloaded file, got {len(files)}")
    digest = sha256_of(files[0])
    if digest != app.sha256:
        raise CorpusError(f"{app.name}: {files[0].name} has sha256 {digest}, "
                          f"the manifest pins {app.sha256}")
    return files[0]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- safe extraction --------------------------------------------------------------------

class Member(NamedTuple):
    """One entry of an archive: its checked relative name, whether a folder, and its data."""

    parts: tuple[str, ...]
    is_dir: bool
    size: int
    open: Callable[[], IO[bytes] | None] | None  # None for folders


def safe_parts(name: str) -> tuple[str, ...]:
    """The components of an archive member's name, or CorpusError if it could escape."""
    if not name or "\x00" in name or "\\" in name:
        raise CorpusError(f"unsafe member name {name!r}")
    path = PurePosixPath(name)
    if path.is_absolute() or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise CorpusError(f"absolute member name {name!r}")
    parts = tuple(p for p in path.parts if p not in ("", "."))
    if not parts or ".." in parts:
        raise CorpusError(f"member name {name!r} leaves the folder")
    return parts


def _tar_members(archive: tarfile.TarFile) -> Iterator[Member]:
    for info in archive:
        if info.isdir():
            yield Member(safe_parts(info.name), True, 0, None)
        elif info.isreg():
            yield Member(safe_parts(info.name), False, info.size,
                         lambda info=info: archive.extractfile(info))
        else:
            kind = ("symlink" if info.issym() else "hardlink" if info.islnk()
                    else "device or special file")
            raise CorpusError(f"{kind} {info.name!r} in the archive")


def _zip_members(archive: zipfile.ZipFile) -> Iterator[Member]:
    for info in archive.infolist():
        kind = stat.S_IFMT(info.external_attr >> 16)  # 0 where the archiver wrote no type
        if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
            raise CorpusError(f"link or special file {info.filename!r} in the archive")
        parts = safe_parts(info.filename)
        if info.is_dir():
            yield Member(parts, True, 0, None)
        else:
            yield Member(parts, False, info.file_size,
                         lambda info=info: archive.open(info))


def _members(archive_path: Path) -> Iterator[Member]:
    name = archive_path.name
    if name.endswith((".whl", ".zip")):
        with zipfile.ZipFile(archive_path) as archive:
            yield from _zip_members(archive)
    elif name.endswith((".tar.gz", ".tgz", ".tar")):
        with tarfile.open(archive_path, "r:*") as archive:
            yield from _tar_members(archive)
    else:
        raise CorpusError(f"{name}: not a wheel, zip or tar archive")


def extract(archive_path: Path, dest: Path, *, strip_top: bool,
            max_bytes: int = MAX_BYTES, max_members: int = MAX_MEMBERS) -> int:
    """Unpack regular files and folders into the empty folder ``dest``; return bytes written.

    ``strip_top`` drops the single top-level folder every member must be under (sdists).
    Anything unsafe raises CorpusError; ``dest`` is then left for the caller to remove.
    """
    written = 0
    count = 0
    top: str | None = None
    for member in _members(archive_path):
        count += 1
        if count > max_members:
            raise CorpusError(f"{archive_path.name}: more than {max_members} members")
        parts = member.parts
        if strip_top:
            if top is None:
                top = parts[0]
            if parts[0] != top:
                raise CorpusError(f"{archive_path.name}: {'/'.join(parts)!r} is outside "
                                  f"the top-level folder {top!r}")
            parts = parts[1:]
            if not parts:
                continue
        if parts[-1] == MARKER:
            raise CorpusError(f"{archive_path.name}: holds a file named {MARKER}")
        target = dest.joinpath(*parts)
        _make_folders(dest, parts if member.is_dir else parts[:-1])
        if member.is_dir:
            continue
        if written + member.size > max_bytes:
            raise CorpusError(f"{archive_path.name}: unpacks to more than {max_bytes} bytes")
        written = _write(member, target, written, max_bytes, archive_path.name)
    return written


def _make_folders(dest: Path, parts: Sequence[str]) -> None:
    folder = dest
    for part in parts:
        folder = folder / part
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            raise CorpusError(f"{'/'.join(parts)!r} clashes with a file of the archive")
        if not folder.exists():
            folder.mkdir(mode=0o755)


def _write(member: Member, target: Path, written: int, max_bytes: int, archive: str) -> int:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        descriptor = os.open(target, flags, 0o644)
    except FileExistsError as exc:
        raise CorpusError(f"{archive}: {target.name!r} appears twice") from exc
    source = member.open() if member.open else None
    if source is None:
        os.close(descriptor)
        raise CorpusError(f"{archive}: cannot read {target.name!r}")
    with source, os.fdopen(descriptor, "wb") as out:
        for block in iter(lambda: source.read(1 << 20), b""):
            written += len(block)
            if written > max_bytes:  # a member may hold more than it declares
                raise CorpusError(f"{archive}: unpacks to more than {max_bytes} bytes")
            out.write(block)
    return written


# --- commands ---------------------------------------------------------------------------

def fetch_one(app: App, root: Path) -> str:
    """Download, verify and unpack one app unless already there; say what happened."""
    if is_fetched(app, root):
        return f"{app.name}: already here"
    folder = app_folder(app, root)
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".fetch-{app.name}-", dir=root) as work:
        archive = download(app, Path(work) / "download")
        staging = Path(work) / "unpacked"
        staging.mkdir()
        try:
            size = extract(archive, staging, strip_top=app.kind == "sdist")
        except (CorpusError, OSError, tarfile.TarError, zipfile.BadZipFile, EOFError) as exc:
            raise CorpusError(f"{app.name}: refused {archive.name}: {exc}") from exc
        (staging / MARKER).write_text(app.sha256 + "\n", encoding="ascii")
        if folder.is_symlink() or folder.is_file():
            raise CorpusError(f"{app.name}: {folder} is not a folder; remove it first")
        if folder.exists():  # an interrupted or outdated fetch
            shutil.rmtree(folder)
        staging.rename(folder)
    return f"{app.name}: {archive.name}, {size / 1e6:.1f} MB unpacked"


def cmd_fetch(apps: Sequence[App], root: Path) -> int:
    failures = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        futures = {pool.submit(fetch_one, app, root): app for app in apps}
        for future in concurrent.futures.as_completed(futures):
            try:
                print(future.result(), flush=True)
            except CorpusError as exc:
                failures.append(str(exc))
            except OSError as exc:
                failures.append(f"{futures[future].name}: {exc}")
    for failure in sorted(failures):
        print(f"error: {failure}", file=sys.stderr)
    return 1 if failures else 0


def select(apps: Sequence[App], names: Sequence[str]) -> tuple[App, ...]:
    by_name = {app.name: app for app in apps}
    unknown = [name for name in names if name not in by_name]
    if unknown:
        raise CorpusError(f"unknown app {unknown[0]!r} (known: {', '.join(by_name)})")
    return tuple(by_name[name] for name in names) if names else tuple(apps)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    fetch = sub.add_parser("fetch", help="download, verify and unpack the apps")
    fetch.add_argument("names", nargs="*", help="only these apps")
    path = sub.add_parser("path", help="print the folder of a fetched app")
    path.add_argument("name")
    sub.add_parser("list", help="list the apps and whether each is here")
    args = parser.parse_args(argv)
    root = corpus_root()
    try:
        apps = load_manifest()
        if args.command == "fetch":
            return cmd_fetch(select(apps, args.names), root)
        if args.command == "path":
            (app,) = select(apps, [args.name])
            if not is_fetched(app, root):
                raise CorpusError(f"{app.name} is not fetched: run python scripts/corpus.py "
                                  f"fetch {app.name}")
            print(app_folder(app, root))
            return 0
        for app in apps:
            state = "fetched" if is_fetched(app, root) else "missing"
            pin = f"{app.package}=={app.version}"
            print(f"{app.name:<20} {pin:<26} {app.kind:<6} {state:<8} {app.why}")
        return 0
    except CorpusError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
