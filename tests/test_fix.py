"""`sunset fix`: the proposed fix on temporary git repositories, end to end through the CLI.

The repository is a copy of tests/fixtures/gate_repo (plus files for the strings-only rule);
the store says what replaces each model and who uses it. The fix lands on a new branch, one
commit per model; the checkout (branch, index, work tree) is never touched.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.alerts.exposures import refresh_exposures
from pipeline.cli import main
from pipeline.gate.rewrite import rewrite
from storage import teams as team_store
from storage.db import open_db, transaction

from .test_gate import RECORDS, REPO, _store

MODEL = "gpt-4o-2024-05-13"
BRANCH = f"sunset/replace-{MODEL}-with-gpt-4.1"
STRINGS = '''"""Uses gpt-4o-2024-05-13 in prose: never rewritten."""
PINNED = "gpt-4o-2024-05-13"
ROUTED = 'openai/gpt-4o-2024-05-13'
LONGER = "gpt-4o-2024-05-13-preview"
NOTE = "we call gpt-4o-2024-05-13 here"
# CHAT = "gpt-4o-2024-05-13"  (a comment)
gpt_4o_2024_05_13 = PINNED
'''


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture(autouse=True)
def _git_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_NAME", "Test")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "test@example.test")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    target = tmp_path / "repo"
    shutil.copytree(REPO, target)
    (target / "app" / "strings.py").write_text(STRINGS)
    git(target, "init", "-q", "-b", "main")
    git(target, "add", "-A")
    git(target, "commit", "-q", "-m", "init")
    return target


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "sunset.db"
    _store(path, RECORDS)
    db = open_db(path)
    with transaction(db):
        team_store.ensure_team(db, "payments")
        team_store.add_usage(
            db,
            [{"team": "payments", "provider": "*", "model": MODEL, "origin": "scan",
              "where_seen": "app/chat.py:5", "last_seen": None, "volume": None}],
        )  # fmt: skip
        refresh_exposures(db, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        db.execute("UPDATE exposures SET requests_7d = 41230, last_call = '2025-12-31'")
    db.close()
    return path


def fix(repo: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["fix", str(repo), *args])
    return result.exit_code, result.stdout, result.stderr


def test_fix_commits_on_a_new_branch_and_leaves_the_checkout_alone(repo: Path, store: Path) -> None:
    head = git(repo, "rev-parse", "HEAD")
    rc, out, err = fix(repo, "--model", MODEL, "--db", str(store))
    assert rc == 0, err
    # The checkout is as it was: same branch, same commit, clean, files unchanged.
    assert git(repo, "rev-parse", "HEAD") == head
    assert git(repo, "branch", "--show-current").strip() == "main"
    assert git(repo, "status", "--porcelain") == ""
    assert '"gpt-4o-2024-05-13"' in (repo / "app" / "chat.py").read_text()
    # One commit on the new branch, on top of HEAD, with the facts in its message.
    assert git(repo, "rev-list", f"{head.strip()}..{BRANCH}").count("\n") == 1
    assert git(repo, "log", "-1", "--format=%B", BRANCH) == (
        f"Replace {MODEL} with gpt-4.1\n\n"
        f"openai shuts {MODEL} down on 2026-02-01.\n"
        "Source: https://docs.test/deprecations#gpt-4o\n"
        "Usage: payments: 41,230 requests in the last 7 days, last call 2025-12-31\n"
        "Changed: 3 occurrences in 2 files: app/chat.py:5, app/strings.py:2, app/strings.py:3\n"
        "\nProposed by `sunset fix` (Sunset Watch).\n\n"
    )
    # Strings only: prose, comments, longer IDs and identifiers are untouched.
    fixed = git(repo, "show", f"{BRANCH}:app/strings.py")
    assert fixed == STRINGS.replace('PINNED = "gpt-4o-2024-05-13"', 'PINNED = "gpt-4.1"').replace(
        "'openai/gpt-4o-2024-05-13'", "'openai/gpt-4.1'"
    )
    assert '+CHAT_MODEL = "gpt-4.1"  # pinned snapshot' in out
    assert "-ROUTED = 'openai/gpt-4o-2024-05-13'" in out
    assert out.splitlines()[-1].startswith(f"branch {BRANCH}: 1 commit")


def test_one_commit_per_model(repo: Path, store: Path) -> None:
    rc, _, err = fix(
        repo, "--model", MODEL, "--model", "claude-3-5-sonnet-20241022", "--db", str(store),
        "--branch", "sunset/both",
    )  # fmt: skip
    assert rc == 0, err
    subjects = git(repo, "log", "--format=%s", "main..sunset/both").splitlines()
    assert subjects == [
        "Replace claude-3-5-sonnet-20241022 with claude-sonnet-4-5",
        f"Replace {MODEL} with gpt-4.1",
    ]
    assert "model: claude-sonnet-4-5" in git(repo, "show", "sunset/both:config/models.yaml")


def test_dry_run_prints_the_diff_and_writes_nothing(repo: Path, store: Path) -> None:
    objects = git(repo, "count-objects")
    rc, out, _ = fix(repo, "--model", MODEL, "--to", "gpt-4.1-2025-04-14", "--dry-run",
                     "--db", str(store))  # fmt: skip
    assert rc == 0
    assert '+PINNED = "gpt-4.1-2025-04-14"' in out
    assert out.splitlines()[-1] == "dry run: 3 occurrences would change; nothing was written"
    assert git(repo, "branch", "--list").strip() == "* main"
    assert git(repo, "count-objects") == objects


def test_untracked_files_are_not_rewritten(repo: Path, store: Path) -> None:
    (repo / "app" / "scratch.py").write_text(f'MODEL = "{MODEL}"\n')
    rc, out, _ = fix(repo, "--model", MODEL, "--dry-run", "--db", str(store))
    assert rc == 0 and "scratch.py" not in out


def test_refuses_a_dirty_work_tree(repo: Path, store: Path) -> None:
    (repo / "app" / "chat.py").write_text("changed\n")
    rc, _, err = fix(repo, "--model", MODEL, "--db", str(store))
    assert rc == 1
    assert err == (
        f"error: sunset fix: {repo} has uncommitted changes (app/chat.py): "
        "commit or stash them first\n"
    )


def test_refuses_a_folder_that_is_not_in_git(tmp_path: Path, store: Path) -> None:
    plain = tmp_path / "plain"
    shutil.copytree(REPO, plain)
    rc, _, err = fix(plain, "--model", MODEL, "--db", str(store))
    assert rc == 2
    assert err == (
        f"error: sunset fix: {plain} is not in a git work tree: sunset fix commits on a new "
        "branch\n"
    )


def test_an_unknown_model_names_the_known_ones(repo: Path, store: Path) -> None:
    rc, _, err = fix(repo, "--model", "gpt-4o-2024-05-31", "--db", str(store))
    assert rc == 2
    assert err == (
        f"error: sunset fix: no record of model 'gpt-4o-2024-05-31' in {store} (known: "
        f"{MODEL}, claude-3-5-sonnet-20241022); give --to R to replace it anyway\n"
    )


def test_an_existing_branch_and_a_missing_occurrence_are_refused(repo: Path, store: Path) -> None:
    git(repo, "branch", BRANCH)
    rc, _, err = fix(repo, "--model", MODEL, "--db", str(store))
    assert rc == 2 and "already exists" in err and len(err.splitlines()) == 1
    rc, _, err = fix(repo, "--model", "gpt-3.5-turbo-0301", "--to", "gpt-4.1", "--db", str(store))
    assert rc == 1
    assert err == (
        f"error: sunset fix: no string occurrence of gpt-3.5-turbo-0301 under {repo} to rewrite\n"
    )


def test_a_bad_replacement_or_branch_is_one_line(repo: Path, store: Path) -> None:
    rc, _, err = fix(repo, "--model", MODEL, "--to", 'gpt-4.1"; rm -rf /', "--db", str(store))
    assert rc == 2 and "is not a model ID" in err and len(err.splitlines()) == 1
    rc, _, err = fix(repo, "--model", MODEL, "--branch", "bad..name", "--db", str(store))
    assert rc == 2 and "is not a valid branch name" in err


def test_no_git_identity_is_one_line(repo: Path, store: Path, monkeypatch) -> None:
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.delenv(f"GIT_{who}_NAME")
        monkeypatch.delenv(f"GIT_{who}_EMAIL")
    git(repo, "config", "user.useConfigOnly", "true")
    rc, _, err = fix(repo, "--model", MODEL, "--db", str(store))
    assert rc == 1
    assert err.splitlines()[-1] == (
        "error: sunset fix: git commit-tree: no author identity: set git config user.name "
        "and user.email"
    )
    assert git(repo, "branch", "--list").strip() == "* main"


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("a.yaml", "model: gpt-4o  # old\n", "model: gpt-4.1  # old\n"),
        ("a.yaml", "# model: gpt-4o\n", "# model: gpt-4o\n"),
        ("a.py", "x = gpt-4o\n", "x = gpt-4o\n"),  # not a string in code
        (".env", "MODEL=GPT-4o\n", "MODEL=gpt-4.1\n"),
        ("a.js", 'const m = "gpt-4o"; // "gpt-4o"\n', 'const m = "gpt-4.1"; // "gpt-4o"\n'),
        ("a.py", 'm = "gpt-4o-mini"\n', 'm = "gpt-4o-mini"\n'),
        ("a.py", 'u = "models/gpt-4o:generate"\n', 'u = "models/gpt-4.1:generate"\n'),
        ("a.py", 'a = ["--model", "gpt-4o"]\n', 'a = ["--model", "gpt-4.1"]\n'),
    ],
)
def test_rewrite_strings_only(name: str, text: str, expected: str) -> None:
    assert rewrite(text, name, "gpt-4o", "gpt-4.1")[0] == expected
