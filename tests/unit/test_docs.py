"""The documentation: the configuration page matches the schema, every page is in
the site's navigation, and the README stays one screenful with its two commands."""

import importlib.util

import yaml

from framescape.testing import REPO as ROOT

DOCS = ROOT / "docs"


def config_table():
    """docs/config_table.py, imported from its file (docs/ is not a package)."""
    spec = importlib.util.spec_from_file_location(
        "config_table", DOCS / "config_table.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_configuration_page_matches_the_schema():
    tool = config_table()
    page = tool.PAGE.read_text(encoding="utf-8")
    assert page == tool.render(page, tool.load_schema()), (
        "docs/configuration.md differs from the config schema: "
        "run python docs/config_table.py"
    )


def test_check_mode_names_the_command(tmp_path, monkeypatch, capsys):
    tool = config_table()
    stale = tmp_path / "configuration.md"
    stale.write_text(
        "# Configuration\n\n<!-- config-table -->\nold\n<!-- /config-table -->\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(tool, "PAGE", stale)
    assert tool.main(["--check"]) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert out == [
        (
            "docs/configuration.md differs from the config schema: "
            "run python docs/config_table.py"
        )
    ]
    assert tool.main([]) == 0
    assert tool.main(["--check"]) == 0


def test_every_schema_key_has_a_description():
    tool = config_table()
    schema = tool.load_schema()
    missing = [
        key for key, _, _, text in tool.rows(schema["properties"], schema) if not text
    ]
    assert missing == []


def nav_pages(entries):
    """Every page file named in mkdocs.yml's nav, nested sections included."""
    for entry in entries:
        value = next(iter(entry.values())) if isinstance(entry, dict) else entry
        if isinstance(value, list):
            yield from nav_pages(value)
        else:
            yield value


def test_every_docs_page_is_in_the_nav():
    with open(ROOT / "mkdocs.yml", encoding="utf-8") as handle:
        site = yaml.safe_load(handle)
    listed = set(nav_pages(site["nav"]))
    pages = {path.name for path in DOCS.glob("*.md")}
    assert pages - listed == set(), "pages missing from mkdocs.yml's nav"
    assert listed - pages == set(), "nav entries without a page"


def test_readme_is_short_and_keeps_both_commands():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 200, f"README.md has {len(lines)} lines"
    for marker in ("<!-- run-command -->", "<!-- test-command -->"):
        assert marker in lines
        after = lines[lines.index(marker) + 1]
        assert after == "```bash", f"{marker} is not followed by a bash block"
