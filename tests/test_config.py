"""sources.yml / teams.yml validation: the repo's own files load, bad files name the problem."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.core.config import ConfigError, load_sources, load_teams, slack_api_url

REPO = Path(__file__).resolve().parent.parent


def test_repo_sources_are_real_and_valid():
    sources = load_sources(REPO / "sources.yml")
    providers = {s.provider for s in sources.sources}
    assert len(providers) >= 12
    assert sum(1 for s in sources.sources if s.format in ("rss", "atom")) >= 2
    assert all(str(s.url).startswith("https://") for s in sources.sources)


def test_repo_teams_are_valid():
    teams = load_teams(REPO / "teams.yml")
    payments = teams.team("payments")
    assert payments.lead_days == [90, 30, 7, 1]
    assert teams.team("support-bots").digest is None
    assert teams.delivery.slack.token_env == "SLACK_BOT_TOKEN"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_unknown_key_is_named_with_entry(tmp_path):
    path = write(
        tmp_path,
        "sources.yml",
        "sources:\n  - {id: a, provider: openai, url: 'https://x.test/', format: html}\n"
        "  - {id: b, provider: openai, url: 'https://x.test/', format: html, intervall: 5}\n",
    )
    with pytest.raises(ConfigError) as err:
        load_sources(path)
    assert "sources[1] (b).intervall" in str(err.value)
    assert str(path) in str(err.value)


def test_duplicate_ids_rejected(tmp_path):
    path = write(
        tmp_path,
        "sources.yml",
        "sources:\n  - {id: a, provider: openai, url: 'https://x.test/', format: html}\n"
        "  - {id: a, provider: openai, url: 'https://y.test/', format: html}\n",
    )
    with pytest.raises(ConfigError, match="duplicate id"):
        load_sources(path)


def test_bad_format_and_url(tmp_path):
    path = write(
        tmp_path,
        "sources.yml",
        "sources:\n  - {id: a, provider: openai, url: 'ftp://x', format: pdf}\n",
    )
    with pytest.raises(ConfigError) as err:
        load_sources(path)
    text = str(err.value)
    assert "sources[0] (a).url" in text and "sources[0] (a).format" in text


def test_invalid_yaml_names_line(tmp_path):
    path = write(tmp_path, "teams.yml", "teams:\n  - name: a\n   bad: [\n")
    with pytest.raises(ConfigError, match=r"teams.yml:\d+: invalid YAML"):
        load_teams(path)


def test_team_fields_validated(tmp_path):
    path = write(
        tmp_path,
        "teams.yml",
        "teams:\n  - name: a\n    email: [not-an-address]\n"
        "    digest: {time: '25:00', timezone: Mars/Base}\n"
        "    webhook_env: lower-case\n",
    )
    with pytest.raises(ConfigError) as err:
        load_teams(path)
    text = str(err.value)
    assert "teams[0] (a).email" in text
    assert "teams[0] (a).digest.time" in text
    assert "teams[0] (a).digest.timezone" in text
    assert "teams[0] (a).webhook_env" in text


def test_digest_off_and_defaults(tmp_path):
    path = write(tmp_path, "teams.yml", "teams:\n  - name: a\n    digest: off\n  - name: b\n")
    teams = load_teams(path)
    assert teams.team("a").digest is None
    assert teams.team("b").lead_days == [90, 30, 7, 1]


def test_slack_api_url_env_override(monkeypatch, tmp_path):
    teams = load_teams(write(tmp_path, "teams.yml", "teams: []\n"))
    assert slack_api_url(teams.delivery) == "https://slack.com/api/"
    monkeypatch.setenv("SUNSET_SLACK_API_URL", "http://127.0.0.1:9/api")
    assert slack_api_url(teams.delivery) == "http://127.0.0.1:9/api/"


def test_check_command_reports_errors_without_traceback(tmp_path):
    bad = write(tmp_path, "sources.yml", "sources:\n  - {id: a}\n")
    result = CliRunner().invoke(
        main, ["check", "--sources", str(bad), "--teams", str(REPO / "teams.yml")]
    )
    assert result.exit_code == 2
    assert "sources[0] (a).provider" in result.output
    assert "Traceback" not in result.output


def test_check_command_ok():
    result = CliRunner().invoke(
        main,
        ["check", "--sources", str(REPO / "sources.yml"), "--teams", str(REPO / "teams.yml")],
    )
    assert result.exit_code == 0, result.output
    assert "ok" in result.output


def test_team_name_ops_is_reserved(tmp_path):
    path = write(tmp_path, "teams.yml", "teams:\n  - name: ops\n")
    with pytest.raises(ConfigError, match="reserved for operator alerts"):
        load_teams(path)


@pytest.mark.parametrize(
    ("name", "text", "line", "key"),
    [
        (
            "sources.yml",
            "sources:\n  - {id: a, id: b, provider: openai, format: html,"
            " url: 'https://example.com/'}\n",
            2,
            "id",
        ),
        ("teams.yml", "teams:\n  - name: payments\n    email: []\n    name: search\n", 4, "name"),
        ("teams.yml", "delivery: {}\nteams: []\ndelivery: {max_attempts: 2}\n", 3, "delivery"),
    ],
)
def test_duplicate_yaml_keys_are_rejected_with_file_and_line(
    tmp_path: Path, name: str, text: str, line: int, key: str
) -> None:
    path = write(tmp_path, name, text)
    load = load_sources if name == "sources.yml" else load_teams
    with pytest.raises(ConfigError) as caught:
        load(path)
    assert str(caught.value).startswith(f"{path}:{line}: ")
    assert f"duplicate key {key!r}" in str(caught.value)
    result = CliRunner().invoke(
        main, ["check", "--sources", str(path), "--teams", str(path)], catch_exceptions=False
    )
    assert result.exit_code == 2 and "duplicate key" in result.output


def test_yaml_merge_keys_still_load(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "teams.yml",
        "teams:\n"
        "  - &base {name: payments, digest: off, email: [a@example.com]}\n"
        "  - {<<: *base, name: search}\n",  # an explicit key overrides a merged one
    )
    teams = load_teams(path)
    assert teams.team_names() == ["payments", "search"]
    assert teams.team("search").email == ["a@example.com"]


def test_repo_reference_sources_and_products():
    sources = load_sources(REPO / "sources.yml")
    references = [s for s in sources.sources if s.kind == "reference"]
    assert {s.id for s in references} == {"litellm-model-list", "modeldeprecations-dev"}
    assert all(s.provider_id == "*" and s.parser_format == "json" for s in references)
    assert load_teams(REPO / "teams.yml").team("support-bots").products == ["chatgpt"]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("{id: a, url: 'https://x.test/'}", "sources[0] (a).provider: Field required"),
        ("{id: a, provider: openai, url: 'https://x.test/'}", "sources[0] (a).format: Field"),
        (
            "{id: r, kind: reference, url: 'https://x.test/', format: html}",
            "sources[0] (r): a reference source's shape is sniffed from its content",
        ),
        (
            "{id: a, provider: openai, url: 'https://x.test/', format: html,"
            " provider_map: {google: x}}",
            "sources[0] (a): provider_map is only for sources of kind reference",
        ),
        (
            "{id: r, kind: reference, url: 'https://x.test/', provider_map: {google: Gemini}}",
            "sources[0] (r).provider_map.google: String should match pattern",
        ),
        ("{id: r, kind: catalogue, url: 'https://x.test/'}", "sources[0] (r).kind: Input should"),
    ],
)
def test_reference_source_problems_are_named(tmp_path, entry, message):
    path = write(tmp_path, "sources.yml", f"sources:\n  - {entry}\n")
    with pytest.raises(ConfigError) as error:
        load_sources(path)
    assert message in str(error.value)


def test_reference_source_may_name_one_provider(tmp_path):
    path = write(
        tmp_path,
        "sources.yml",
        "sources:\n  - {id: r, kind: reference, provider: openai, url: 'https://x.test/m.json',"
        " provider_map: {oai: openai}}\n",
    )
    (source,) = load_sources(path).sources
    assert (source.provider_id, source.provider_map) == ("openai", {"oai": "openai"})


@pytest.mark.parametrize("until", ["2026-13-31", "2026-02-30", '"2026-02-30"', "31/12/2026"])
def test_impossible_waiver_date_is_one_line_naming_file_entry_and_field(tmp_path, until):
    teams = write(
        tmp_path,
        "teams.yml",
        "teams:\n  - name: payments\n    waivers:\n"
        f"      - {{model: gpt-4-0613, reason: later, until: {until}}}\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_teams(teams)
    message = str(caught.value)
    assert "\n" not in message
    assert f"{teams}: teams[0] (payments).waivers[0] (gpt-4-0613).until:" in message
    assert "not a real date" in message
    result = CliRunner().invoke(
        main, ["check", "--sources", str(REPO / "sources.yml"), "--teams", str(teams)]
    )
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output.strip().splitlines()[-1].startswith("error: ")


def test_valid_waiver_date_still_loads(tmp_path):
    teams = write(
        tmp_path,
        "teams.yml",
        "teams:\n  - name: p\n    waivers: [{model: m, reason: r, until: 2026-02-28}]\n",
    )
    assert load_teams(teams).teams[0].waivers[0].until.isoformat() == "2026-02-28"


def test_check_warns_about_unset_token_env(tmp_path, monkeypatch):
    teams = write(
        tmp_path,
        "teams.yml",
        "delivery:\n  slack: {token_env: MY_SLACK_TOKEN}\n"
        "teams:\n  - {name: payments, slack_channel: '#pay', digest: off}\n",
    )
    monkeypatch.delenv("MY_SLACK_TOKEN", raising=False)
    argv = ["check", "--sources", str(REPO / "sources.yml"), "--teams", str(teams)]
    result = CliRunner().invoke(main, argv)
    assert result.exit_code == 0, result.output
    assert "warning:" in result.output and "MY_SLACK_TOKEN is not set" in result.output
    assert "#pay" in result.output
    monkeypatch.setenv("MY_SLACK_TOKEN", "xoxb-1")
    assert "warning" not in CliRunner().invoke(main, argv).output


def test_check_json(tmp_path, monkeypatch):
    import json

    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    good = write(tmp_path, "teams.yml", "teams:\n  - {name: a, digest: off}\n")
    argv = ["check", "--json", "--sources", str(REPO / "sources.yml"), "--teams"]
    result = CliRunner().invoke(main, [*argv, str(good)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["ok"] is True and report["teams"]["teams"] == 1 and report["errors"] == []
    bad = write(tmp_path, "bad.yml", "teams:\n  - {name: a, colour: red}\n")
    result = CliRunner().invoke(main, [*argv, str(bad)])
    assert result.exit_code == 2
    report = json.loads(result.output)
    assert report["ok"] is False and "colour" in report["errors"][0]


def test_unknown_key_suggests_the_known_one(tmp_path) -> None:
    """Issue 19: config errors say "unknown key 'emial' (did you mean 'email'?)"."""
    from pipeline.core.config import load_sources, load_teams
    from pipeline.core.errors import ConfigError

    teams = tmp_path / "teams.yml"
    teams.write_text("teams:\n  - name: payments\n    emial: [a@b.co]\n")
    with pytest.raises(ConfigError) as caught:
        load_teams(teams)
    assert str(caught.value) == (
        f"{teams}: teams[0] (payments).emial: unknown key 'emial' (did you mean 'email'?)"
    )
    sources = tmp_path / "sources.yml"
    sources.write_text("sources:\n  - {id: a, provider: p, url: 'https://x.test/', formt: html}\n")
    with pytest.raises(ConfigError) as caught:
        load_sources(sources)
    assert "unknown key 'formt' (did you mean 'format'?)" in str(caught.value)


def test_check_warns_about_an_empty_sources_list(tmp_path) -> None:
    """Issue 19: `sources: []` passed `sunset check` silently."""
    (tmp_path / "sources.yml").write_text("sources: []\n")
    (tmp_path / "teams.yml").write_text("teams: []\n")
    args = ["check", "--sources", str(tmp_path / "sources.yml")]
    result = CliRunner().invoke(main, [*args, "--teams", str(tmp_path / "teams.yml")])
    assert result.exit_code == 0, result.output
    assert "no enabled source" in result.output and "no team" in result.output


def test_relative_usage_source_paths_are_relative_to_teams_yml(tmp_path, monkeypatch) -> None:
    """Issue 19: relative paths in teams.yml resolved from the working directory."""
    folder = tmp_path / "conf"
    folder.mkdir()
    (folder / "teams.yml").write_text(
        "teams:\n  - {name: payments, digest: off}\n"
        "usage_sources:\n  - {id: otel, kind: otel_files, path: otel-out,"
        " teams: [{match: '*', team: payments}]}\n"
    )
    monkeypatch.chdir(tmp_path)
    teams = load_teams(Path("conf") / "teams.yml")
    assert teams.usage_sources[0].path == str(Path("conf") / "otel-out")
    elsewhere = tmp_path / "other"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert load_teams(folder / "teams.yml").usage_sources[0].path == str(folder / "otel-out")


def test_bounds_name_their_unit(tmp_path) -> None:
    """Issue 19: config errors give units ("interval: at least 5 minutes")."""
    from pipeline.core.errors import ConfigError

    sources = tmp_path / "sources.yml"
    sources.write_text(
        "sources:\n  - {id: a, provider: p, format: html, url: 'https://x.test/', interval: 1}\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_sources(sources)
    assert str(caught.value).endswith("interval: at least 5 minutes (got 1)")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("teams: " + "[" * 3000 + "]" * 3000 + "\n", "nested too deeply"),
        ("teams:\n  - name: core\n    lead_days: [" + "9" * 5000 + "]\n", "digits"),
    ],
)
def test_hostile_yaml_is_one_error_line(tmp_path, text: str, problem: str) -> None:
    from click.testing import CliRunner

    from pipeline.cli import main

    (tmp_path / "teams.yml").write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_teams(tmp_path / "teams.yml")
    assert problem in str(caught.value) and str(caught.value).count("\n") == 0
    result = CliRunner().invoke(main, ["check", "--teams", str(tmp_path / "teams.yml")])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) <= 3


@pytest.mark.parametrize("channel", ["general <!channel>", "#General", "#a b", "#" + "x" * 81])
def test_slack_channel_names_are_validated(tmp_path, channel: str) -> None:
    import json

    (tmp_path / "teams.yml").write_text(
        json.dumps({"teams": [{"name": "core", "slack_channel": channel}]})
    )
    with pytest.raises(ConfigError) as caught:
        load_teams(tmp_path / "teams.yml")
    assert "is not a Slack channel" in str(caught.value)


def test_usage_base_url_with_credentials_is_refused_and_plain_http_warned(
    tmp_path, monkeypatch
) -> None:
    import json

    def teams(url: str) -> Path:
        path = tmp_path / "teams.yml"
        source = {"id": "llm", "kind": "litellm", "base_url": url, "key_env": "LLM_KEY"}
        path.write_text(json.dumps({"teams": [{"name": "core"}], "usage_sources": [source]}))
        return path

    with pytest.raises(ConfigError) as caught:
        load_teams(teams("https://admin:sk-123@litellm.example.com"))
    assert "carries credentials" in str(caught.value) and "sk-123" not in str(caught.value)
    monkeypatch.setenv("LLM_KEY", "sk-live-0123456789")
    (tmp_path / "sources.yml").write_text(
        "sources: [{id: a, provider: openai, url: 'https://a.test/', format: html}]\n"
    )
    args = ["check", "--sources", str(tmp_path / "sources.yml")]
    remote = CliRunner().invoke(main, [*args, "--teams", str(teams("http://litellm.corp:4000"))])
    assert remote.exit_code == 0 and "plain http:// to litellm.corp" in remote.output
    local = CliRunner().invoke(main, [*args, "--teams", str(teams("http://127.0.0.1:4000"))])
    assert "plain http://" not in local.output
