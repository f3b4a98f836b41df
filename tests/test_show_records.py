"""`request show` and `disclose show`: lists of items as tables for people, JSON as it was for scripts."""

import json

from test_disclosures import disclose
from test_requests import new_request, office  # noqa: F401  (the fixture)


def table_under(stdout: str, name: str) -> list[list[str]]:
    """The rows of the table printed under `name:`, each split into its cells."""
    lines = stdout.splitlines()
    start = lines.index(f"{name}:") + 1
    rows = []
    for line in lines[start:]:
        if not line.startswith("  "):
            break
        rows.append(line.split())
    return rows


def test_request_show_prints_items_and_opinions_as_tables(office):  # noqa: F811
    assert new_request(office, "yamada", "--recording", "1", "--from", "10:16:00", "--to", "10:16:20").exit_code == 0
    given = office("--as", "suzuki", "request", "opinion", "1", "--by", "tanaka", "--disagree",
                   "--note", "不要と考える", "--document", office.form)
    assert given.exit_code == 0, given.stderr

    shown = office("request", "show", "1")
    assert shown.exit_code == 0, shown.stderr
    assert "{'" not in shown.stdout and "'recording_id'" not in shown.stdout
    assert "state            opinion-given" in shown.stdout.splitlines()
    header, rule, item = table_under(shown.stdout, "items")
    assert header == ["id", "recording_id", "start_offset", "end_offset", "channel", "section"]
    assert set("".join(rule)) == {"-"}
    assert item == ["1", "1", "30.0", "50.0", "市民課"]
    header, _rule, opinion = table_under(shown.stdout, "opinions")
    assert header[:5] == ["id", "section", "by", "agree", "note"]
    assert opinion[:5] == ["1", "市民課", "tanaka", "no", "不要と考える"]

    as_json = json.loads(office("request", "show", "1", "--json").stdout)
    assert as_json["items"] == [{"id": 1, "recording_id": 1, "start_offset": 30.0, "end_offset": 50.0,
                                 "channel": None, "section": "市民課"}]
    assert as_json["opinions"][0]["agree"] == 0 and as_json["waiting_for"] == []


def test_request_without_opinions_shows_no_empty_table(office):  # noqa: F811
    assert new_request(office, "tanaka", "--recording", "1", "--recording", "2").exit_code == 0
    shown = office("request", "show", "1").stdout
    assert "opinions:" not in shown and "{'" not in shown
    assert [row[1] for row in table_under(shown, "items")[2:]] == ["1", "2"]


def test_disclose_show_prints_items_as_a_table(office, tmp_path):  # noqa: F811
    made = disclose(office, "new", "--basis", "law", "--recipient", "一宮警察署", "--document", office.form,
                    "--item", "1@10:16:00-10:16:10", "--item", "1:caller", "--output", tmp_path / "p", "--json")
    assert made.exit_code == 0, made.stderr
    files = sorted(p.name for p in (tmp_path / "p" / "data").iterdir())

    shown = office("disclose", "show", "1")
    assert shown.exit_code == 0, shown.stderr
    assert "{'" not in shown.stdout
    assert "recipient                   一宮警察署" in shown.stdout.splitlines()
    header, _rule, first, second = table_under(shown.stdout, "items")
    assert header == ["recording_id", "start_offset", "end_offset", "channel", "file", "sha256"]
    assert first[:3] == ["1", "30.0", "40.0"] and first[3] == files[0]
    assert second[:4] == ["1", "0.0", "60.0", "0"] and second[4] == files[1]
    assert first[-1] == json.loads(made.stdout)["items"][0]["sha256"]

    as_json = json.loads(office("disclose", "show", "1", "--json").stdout)
    assert [item["file"] for item in as_json["items"]] == files
