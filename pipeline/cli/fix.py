"""`sunset fix PATH --model M [--to R] [--branch B] [--dry-run]`: the click command.

Checks, each one line and a non-zero exit status: PATH in a git work tree (2 otherwise),
a commit to start from, no uncommitted changes to tracked files (1), a model the store knows
or a `--to` (2, naming the known deprecated models), a replacement that is a plain model ID,
a new branch name that does not exist yet (2), and at least one string occurrence to rewrite
(1, naming the model IDs that were found).
"""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import click

MAX_KNOWN_LISTED = 12


def _fail(message: str, code: int) -> NoReturn:
    click.echo(f"error: sunset fix: {message}", err=True)
    click.get_current_context().exit(code)


def _store_facts(db_path: str):
    """(records, usage rows by record id) from the store, or empty without a database."""
    if not Path(db_path).is_file():
        return [], {}
    from pipeline.cli import common as cli
    from pipeline.gate.lookup import store_records

    db = cli.open_store(db_path, read_only=True)
    records = store_records(db)
    usage: dict[int, list[dict]] = {}
    for row in db.query(
        """SELECT record_id, team, requests_7d, tokens_7d, last_call, origin AS origins
           FROM exposures WHERE active = 1 ORDER BY team"""
    ):
        usage.setdefault(row["record_id"], []).append(row)
    return records, usage


def _branch_name(models: list[tuple[str, str]]) -> str:
    model, replacement = models[0]
    name = f"sunset/replace-{model}-with-{replacement}"
    if len(models) > 1:
        name = f"sunset/replace-{model}-and-{len(models) - 1}-more"
    return "".join(c if c.isalnum() or c in "-._/" else "-" for c in name).replace("..", ".")


@click.command("fix")
@click.argument("path", type=click.Path(exists=True, file_okay=True, path_type=Path))
@click.option(
    "--model",
    "models",
    multiple=True,
    required=True,
    help="Deprecated model ID to replace (repeatable: one commit per model).",
)
@click.option("--to", "to", default=None, help="Replacement ID (default: the record's first).")
@click.option("--branch", default=None, help="New branch name (default: sunset/replace-M-with-R).")
@click.option("--dry-run", is_flag=True, help="Print the diff only: no branch, no commit.")
@click.option("--all-files", is_flag=True, help="Also rewrite test-fixture and vendored folders.")
@click.option(
    "--db",
    "db_path",
    default="sunset.db",
    envvar="SUNSET_DB",
    show_default=True,
    help="SQLite database file (env SUNSET_DB).",
)
def fix_command(
    path: Path,
    models: tuple[str, ...],
    to: str | None,
    branch: str | None,
    dry_run: bool,
    all_files: bool,
    db_path: str,
) -> None:
    """Rewrite a deprecated model ID to its replacement on a new git branch, one commit per
    model (shutdown date, source and usage in the message), and print the diff.

    Only string literals and configuration values the scanner reads as the model are
    changed. The work tree and the current branch are never touched.
    """
    from pipeline.gate import fix as fixer
    from pipeline.gate import git
    from pipeline.gate.rewrite import REPLACEMENT_RE

    if to is not None and len(models) > 1:
        raise click.UsageError("--to names one replacement: give one --model with it")
    if to is not None and not REPLACEMENT_RE.match(to):
        raise click.BadParameter(f"{to!r} is not a model ID", param_hint="--to")
    try:
        repo = git.toplevel(path.resolve())
        if repo is None:
            _fail(f"{path} is not in a git work tree: sunset fix commits on a new branch", 2)
        base = git.head(repo)
        if base is None:
            _fail(f"{repo} has no commit yet to branch from", 1)
        changed = git.dirty(repo)
        if changed:
            more = f" and {len(changed) - 1} more" if len(changed) > 1 else ""
            _fail(
                f"{repo} has uncommitted changes ({changed[0]}{more}): commit or stash them first",
                1,
            )
        records, usage = _store_facts(db_path)
        wanted = []
        for raw in models:
            model = raw.strip().lower()
            matching = tuple(r for i, r in records if model == r.model or model in r.aliases)
            ids = [i for i, r in records if model == r.model or model in r.aliases]
            if not matching and to is None:
                import difflib  # only when the model is unknown: not at start-up

                known = sorted({r.model for _, r in records})
                close = difflib.get_close_matches(model, known, n=MAX_KNOWN_LISTED, cutoff=0.5)
                listed = [*close, *(k for k in known if k not in close)][:MAX_KNOWN_LISTED]
                hint = ", ".join(listed) + (" ..." if len(known) > len(listed) else "")
                _fail(
                    f"no record of model {raw!r} in {db_path} (known: {hint or 'none'}); "
                    "give --to R to replace it anyway",
                    2,
                )
            replacement = to
            if replacement is None:
                firsts = sorted({r.replacements[0] for r in matching if r.replacements})
                if len(firsts) != 1:
                    named = f" (the records name {', '.join(firsts)})" if firsts else ""
                    _fail(f"no single replacement known for {raw!r}{named}: give --to", 2)
                replacement = firsts[0]
            if replacement.lower() == model:
                _fail(f"{raw!r} would be replaced by itself", 2)
            rows = [row for i in ids for row in usage.get(i, [])]
            wanted.append((model, replacement, matching, fixer.usage_lines(_per_team(rows))))
        name = branch or _branch_name([(m, r) for m, r, _, _ in wanted])
        if not dry_run:
            if not git.valid_branch(repo, name):
                raise click.BadParameter(
                    f"{name!r} is not a valid branch name", param_hint="--branch"
                )
            if git.branch_exists(repo, name):
                _fail(f"branch {name!r} already exists in {repo}: give --branch NAME", 2)
        known = frozenset(r.model for _, r in records) | {m for m, _, _, _ in wanted}
        fixes = fixer.plan(path, repo, base, wanted, known=known, include_all=all_files)
        empty = [f.model for f in fixes if not f.files]
        if empty:
            _fail(f"no string occurrence of {', '.join(empty)} under {path} to rewrite", 1)
        for one in fixes:
            click.echo(fixer.diff(one), nl=False)
        if dry_run:
            total = sum(f.occurrences for f in fixes)
            click.echo(f"dry run: {total} occurrence{'s' if total != 1 else ''} would change; "
                       "nothing was written")  # fmt: skip
            return
        commits = fixer.apply(repo, base, name, fixes)
    except git.GitError as exc:
        _fail(str(exc), 1)
        return
    click.echo(
        f"branch {name}: {len(commits)} commit{'s' if len(commits) != 1 else ''} "
        f"({', '.join(f'{f.model} -> {f.replacement}' for f in fixes)}); your checkout is "
        f"unchanged: `git switch {name}` to look, `git push -u origin {name}` to propose it"
    )


def _per_team(rows: list[dict]) -> list[dict]:
    """One row per team: the largest pulled figures of its exposures to the model."""
    teams: dict[str, dict] = {}
    for row in rows:
        seen = teams.setdefault(row["team"], dict(row))
        for key in ("requests_7d", "tokens_7d"):
            if row.get(key) is not None and (seen.get(key) or 0) < row[key]:
                seen[key] = row[key]
        if (row.get("last_call") or "") > (seen.get("last_call") or ""):
            seen["last_call"] = row["last_call"]
    return [teams[t] for t in sorted(teams)]
