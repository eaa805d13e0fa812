"""When the model is out of date, and that `koliber` trains and validates exactly as the Makefile does."""

import os
import re

from bot.settings import PROJECT_ROOT
from bot.trainer.data.project import ProjectLayout
from bot.trainer.data.rasa_cli import train_argv, validate_argv
from bot.trainer.data.training import model_is_stale
from tests.bot.trainer.sample_project import write_project


def makefile_recipe(target: str) -> list[str]:
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    data = re.search(r"^TRAINING_DATA := (.+)$", makefile, re.M).group(1)
    recipe = re.search(rf"^{target}: .*\n\t(.+)$", makefile, re.M).group(1)
    return recipe.replace("$(TRAINING_DATA)", data).split()


def test_the_same_rasa_training_as_the_makefile_whose_validate_is_koliber_validate():
    layout = ProjectLayout(PROJECT_ROOT)
    assert ["$(RASA)", *train_argv(layout)[1:]] == makefile_recipe("train")
    assert makefile_recipe("validate") == ["$(APP)/bin/koliber", "validate"]
    assert validate_argv(layout)[1:4] == ["data", "validate", "--data"] and "--fail-on-warnings" in validate_argv(layout)


def test_a_model_older_than_any_training_file_is_stale(tmp_path):
    layout = write_project(tmp_path)
    assert model_is_stale(layout)  # no model yet
    layout.model.parent.mkdir()
    layout.model.write_bytes(b"model")
    assert not model_is_stale(layout)
    os.utime(layout.model, (1, 1))
    assert model_is_stale(layout)
    os.utime(layout.model, None)
    (tmp_path / "stories" / "stories.yml").touch()
    os.utime(layout.model, (layout.model.stat().st_mtime - 5,) * 2)
    assert model_is_stale(layout)
