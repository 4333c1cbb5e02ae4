"""The few git operations `sunset fix` needs, through the `git` command line.

Commits are made without touching the work tree, the index or the current branch: each
commit's tree is built in a private temporary index (`GIT_INDEX_FILE`) from its parent's tree
plus the rewritten blobs, then `git commit-tree`; the new branch is created last with
`git branch`, which refuses an existing name. The user's checkout is exactly as it was.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

TIMEOUT_SECONDS = 60


class GitError(RuntimeError):
    """A git command failed; the message is one line."""


def _one_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        if line.lower().startswith(("fatal:", "error:")):
            return line.split(":", 1)[1].strip()
    return lines[0] if lines else "failed"


def run(
    repo: Path,
    *args: str,
    stdin: bytes | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[bytes]:
    try:
        done = subprocess.run(
            ["git", "-C", str(repo), *args],
            input=stdin,
            capture_output=True,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", **(env or {})},
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except FileNotFoundError:
        raise GitError("git is not installed (or not on PATH)") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} took more than {TIMEOUT_SECONDS} s") from None
    if check and done.returncode != 0:
        raise GitError(f"git {args[0]}: {_one_line(done.stderr.decode('utf-8', 'replace'))}")
    return done


def toplevel(path: Path) -> Path | None:
    """The work tree holding `path`, or None when it is in none (or git is missing)."""
    folder = path if path.is_dir() else path.parent
    done = run(folder, "rev-parse", "--show-toplevel", check=False)
    if done.returncode != 0 or not done.stdout.strip():
        return None
    return Path(done.stdout.decode().strip())


def head(repo: Path) -> str | None:
    done = run(repo, "rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False)
    return done.stdout.decode().strip() or None if done.returncode == 0 else None


def dirty(repo: Path) -> list[str]:
    """Tracked files with changes (staged or not); untracked files do not count."""
    out = run(repo, "status", "--porcelain=v1", "-z", "--untracked-files=no").stdout
    return [entry[3:].decode("utf-8", "replace") for entry in out.split(b"\0") if entry]


def tracked(repo: Path) -> set[str]:
    out = run(repo, "ls-files", "-z").stdout
    return {name.decode("utf-8", "surrogateescape") for name in out.split(b"\0") if name}


def blob(repo: Path, commit: str, path: str) -> tuple[str, bytes] | None:
    """(mode, bytes) of `path` in `commit`, or None when it is not a regular file there."""
    listed = run(repo, "ls-tree", "-z", commit, "--", path).stdout.rstrip(b"\0")
    if not listed:
        return None
    meta, _, _ = listed.partition(b"\t")
    mode, kind, sha = meta.decode().split()
    if kind != "blob" or mode not in ("100644", "100755"):
        return None
    return mode, run(repo, "cat-file", "blob", sha).stdout


def valid_branch(repo: Path, name: str) -> bool:
    return run(repo, "check-ref-format", "--branch", name, check=False).returncode == 0


def branch_exists(repo: Path, name: str) -> bool:
    done = run(repo, "rev-parse", "--verify", "--quiet", f"refs/heads/{name}", check=False)
    return done.returncode == 0


def commit(repo: Path, parent: str, files: Sequence[tuple[str, str, bytes]], message: str) -> str:
    """A commit on `parent` whose tree is the parent's with `files` ((path, mode, bytes))
    replaced; nothing outside the object store changes."""
    with tempfile.TemporaryDirectory(prefix="sunset-fix-") as scratch:
        env = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
        run(repo, "read-tree", parent, env=env)
        for path, mode, data in files:
            sha = run(repo, "hash-object", "-w", "--no-filters", "--stdin", stdin=data)
            cacheinfo = f"{mode},{sha.stdout.decode().strip()},{path}"
            run(repo, "update-index", "--cacheinfo", cacheinfo, env=env)
        tree = run(repo, "write-tree", env=env).stdout.decode().strip()
    try:
        made = run(repo, "commit-tree", tree, "-p", parent, "-F", "-", stdin=message.encode())
    except GitError as exc:
        text = str(exc).lower()
        if any(word in text for word in ("identity", "email", "auto-detect")):
            raise GitError(
                "git commit-tree: no author identity: set git config user.name and user.email"
            ) from None
        raise
    return made.stdout.decode().strip()


def create_branch(repo: Path, name: str, tip: str) -> None:
    run(repo, "branch", "--no-track", name, tip)
