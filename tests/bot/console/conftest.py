"""The console's gateway for tests."""

import shutil

import pytest

from bot.settings import PROJECT_ROOT


@pytest.fixture
def console(make_gateway, database_url, tmp_path):
    """A gateway whose review inbox writes into copies of the training data."""
    shutil.copytree(PROJECT_ROOT / "nlu_data", tmp_path / "nlu_data")
    return make_gateway(database_url, NLU_DATA_DIR=str(tmp_path / "nlu_data"),
                        KOLIBER_EXPORTED_STORIES=str(tmp_path / "stories" / "test_from_conversations.yml"))
