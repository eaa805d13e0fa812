"""docs/configuration.md is generated from the settings classes and must not fall behind them."""

import re

from bot.settings import DEV_PLACEHOLDER, PROJECT_ROOT, Settings
from bot.settings_doc import CONFIGURATION_DOC, render_configuration


def _rows(page: str) -> dict[str, tuple[str, str]]:
    """variable -> (default, meaning), from the page's tables."""
    found = re.findall(r"^\| `([A-Z_]+)` \| (.*?) \| (.*) \|$", page, re.MULTILINE)
    return {variable: (default, meaning) for variable, default, meaning in found}


def test_the_committed_page_matches_the_settings_classes():
    assert CONFIGURATION_DOC.read_text(encoding="utf-8") == render_configuration(), (
        "docs/configuration.md is out of date with bot/settings.py or shop/settings.py: run `koliber docs`")


def test_every_setting_is_listed_under_its_variable_with_a_description():
    rows = _rows(render_configuration())
    for name, field in Settings.model_fields.items():
        assert field.description, f"{name} needs Field(description=...): the configuration page shows it"
        assert field.validation_alias in rows, f"{field.validation_alias} ({name}) is missing from the page"
        assert rows[field.validation_alias][1] == " ".join(field.description.split())
    assert len(rows) == len(Settings.model_fields)


def test_defaults_read_the_same_on_every_machine_and_secrets_are_named_placeholders():
    page = render_configuration()
    rows = _rows(page)
    assert str(PROJECT_ROOT) not in page and DEV_PLACEHOLDER not in page
    for variable in ("KOLIBER_API_KEY", "TWILIO_AUTH_TOKEN", "KOLIBER_ENGINE_TOKEN", "KOLIBER_ACTIONS_TOKEN"):
        assert rows[variable][0] == "placeholder"
    assert rows["DATABASE_URL"][0] == "`sqlite:///var/koliber.db`"
    assert rows["KOLIBER_HANDOFF_CONFIG"][0] == "`config/handoff.yml`"
    assert rows["KOLIBER_PUBLIC_URL"][0] == "unset"
    assert rows["KOLIBER_SURVEY_SCHEDULER"][0] == "`false`"
    assert rows["KOLIBER_ENGINE_TIMEOUT"][0] == "`20`"


def test_koliber_docs_writes_the_page_and_leaves_a_current_one_alone(tmp_path, koliber, capsys):
    page = tmp_path / "configuration.md"
    page.write_text("stale\n", encoding="utf-8")
    assert koliber("docs", "--output", str(page)) == 0
    assert page.read_text(encoding="utf-8") == render_configuration()
    assert "wrote" in capsys.readouterr().out
    assert koliber("docs", "--output", str(page)) == 0
    assert "up to date" in capsys.readouterr().out
