"""All configuration in one place, read from the environment (prefix KOLIBER_ or plain names below)."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: str = Field("development", validation_alias="KOLIBER_ENV")
    database_url: str = Field(
        f"sqlite:///{PROJECT_ROOT / 'var' / 'koliber.db'}", validation_alias="DATABASE_URL"
    )
    rasa_url: str = Field("http://127.0.0.1:5005", validation_alias="RASA_URL")
    action_server_port: int = Field(5055, validation_alias="ACTION_SERVER_PORT")
    gateway_port: int = Field(8000, validation_alias="GATEWAY_PORT")
    shop_policy_path: Path = Field(
        PROJECT_ROOT / "config" / "shop_policy.yml", validation_alias="SHOP_POLICY_PATH"
    )
    nlu_data_dir: Path = Field(PROJECT_ROOT / "nlu_data", validation_alias="NLU_DATA_DIR")
    default_language: str = Field("pl", validation_alias="KOLIBER_DEFAULT_LANGUAGE")
    # How many wrong order-number/contact pairs before a human takes over.
    max_verification_attempts: int = Field(3, validation_alias="KOLIBER_MAX_VERIFICATION_ATTEMPTS")


@lru_cache
def get_settings() -> Settings:
    return Settings()
