"""What the shop library reads from the environment: its database, its policy file, the shop's
default language and the verification guard's limits. The gateway's settings extend these
(bot/settings.py), so each name is defined once; the action server reads only these."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Written once by `koliber secrets` (which `make run` calls): random secrets for the internal services.
GENERATED_SECRETS_FILE = PROJECT_ROOT / "var" / "secrets.env"


class ShopSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=(PROJECT_ROOT / ".env", GENERATED_SECRETS_FILE), extra="ignore")

    database_url: str = Field(f"sqlite:///{PROJECT_ROOT / 'var' / 'koliber.db'}", validation_alias="DATABASE_URL",
                              description="The shop and conversation database (an SQLAlchemy URL): the embedded SQLite "
                                          "file by default, `postgresql://user:password@host:5432/koliber` for "
                                          "PostgreSQL.")
    shop_policy_path: Path = Field(PROJECT_ROOT / "config" / "shop_policy.yml", validation_alias="SHOP_POLICY_PATH",
                                   description="The shop's policy: rules, prices, carriers, contact details and their "
                                               "texts in Polish and English.")
    default_language: str = Field("pl", validation_alias="KOLIBER_DEFAULT_LANGUAGE",
                                  description="The language (`pl` or `en`) before the customer has written anything that "
                                              "tells.")

    # Verification guard (shop/verification_guard.py)
    max_verification_attempts: int = Field(3, ge=1, validation_alias="KOLIBER_MAX_VERIFICATION_ATTEMPTS",
                                           description="Wrong order-number/contact pairs one conversation gets, ever "
                                                       "(a handoff does not reset them); then a person takes over.")
    verification_order_failures: int = Field(5, ge=1, validation_alias="KOLIBER_VERIFICATION_ORDER_FAILURES",
                                             description="Wrong pairs for one order, from anyone, within the window "
                                                         "that lock the order, for everyone, for the lock time.")
    verification_client_failures: int = Field(10, ge=1, validation_alias="KOLIBER_VERIFICATION_CLIENT_FAILURES",
                                              description="Wrong pairs from one client (web chat address, phone "
                                                          "number, API sender), for any order, within the window that "
                                                          "lock the client for the lock time.")
    verification_window_minutes: int = Field(60, ge=1, validation_alias="KOLIBER_VERIFICATION_WINDOW_MINUTES",
                                             description="The window in which wrong pairs are counted (in the "
                                                         "database, so every process and conversation shares the "
                                                         "count).")
    verification_lock_minutes: int = Field(60, ge=1, validation_alias="KOLIBER_VERIFICATION_LOCK_MINUTES",
                                           description="How long a locked order or client stays locked.")


@lru_cache
def shop_settings() -> ShopSettings:
    return ShopSettings()
