"""What the shop library reads from the environment: its database, its policy file, the shop's
default language and the verification guard's limits. The gateway's settings extend these
(bot/settings.py), so each name is defined once; the action server reads only these."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

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
    settings_cache_seconds: float = Field(5.0, ge=0, validation_alias="KOLIBER_SETTINGS_CACHE_SECONDS",
                                          description="How long each process uses the settings the shop owner "
                                                      "changes in the console before reading them from the database "
                                                      "again (the gateway that saves them uses them at once).")
    default_language: str = Field("pl", validation_alias="KOLIBER_DEFAULT_LANGUAGE",
                                  description="The language (`pl` or `en`) before the customer has written anything that "
                                              "tells.")

    # The shop's platform (shop/platforms, docs/shop-platforms.md)
    shop_platform: Literal["demo", "woocommerce", "shopify", "baselinker"] = Field(
        "demo", validation_alias="KOLIBER_SHOP",
        description="Where orders come from: `demo` (Koliber's own demo tables), or the shop's `woocommerce`, "
                    "`shopify` or `baselinker` account (its settings below).")
    order_number_digits: str = Field("5", pattern=r"^\d{1,2}(-\d{1,2})?$", validation_alias="KOLIBER_ORDER_NUMBER_DIGITS",
                                     description="How many digits the shop's order numbers have: `5` (the demo shop) "
                                                 "or a range such as `4-6` (WooCommerce and Shopify count up from 1 "
                                                 "or 1001; BaseLinker's have 8 or 9). Shorter or longer numbers are "
                                                 "not taken for one.")
    shop_cache_seconds: int = Field(120, ge=0, validation_alias="KOLIBER_SHOP_CACHE_SECONDS",
                                    description="How long an order read from the platform is used before it is read "
                                                "again; a platform webhook (or BaseLinker's journal) refreshes it at "
                                                "once.")
    shop_statuses: str = Field("", validation_alias="KOLIBER_SHOP_STATUSES",
                               description="The shop's own order statuses, as `platform status=Koliber status` pairs "
                                           "separated by commas (e.g. `wc-awaiting-pickup=shipped,W realizacji=packed`); "
                                           "Koliber's statuses are awaiting_payment, paid, packed, shipped, delayed, "
                                           "delivered, cancelled, return_requested, refunded. Added to each "
                                           "platform's defaults.")
    shop_categories: str = Field("", validation_alias="KOLIBER_SHOP_CATEGORIES",
                                 description="The shop's product categories as Koliber's (`platform category=Koliber "
                                             "category` pairs, e.g. `bielizna=underwear`), so the return rules know "
                                             "what cannot be returned.")
    woocommerce_url: str = Field("", validation_alias="KOLIBER_WOOCOMMERCE_URL",
                                 description="The WooCommerce shop's address (`https://shop.example.pl`).")
    woocommerce_key: str = Field("", validation_alias="KOLIBER_WOOCOMMERCE_KEY",
                                 description="A WooCommerce REST API consumer key with read/write access.")
    woocommerce_secret: str = Field("", validation_alias="KOLIBER_WOOCOMMERCE_SECRET",
                                    description="That key's consumer secret.")
    woocommerce_webhook_secret: str = Field("", validation_alias="KOLIBER_WOOCOMMERCE_WEBHOOK_SECRET",
                                            description="The secret of the `order.updated` webhook pointed at "
                                                        "`/webhooks/shop/woocommerce`.")
    shopify_store: str = Field("", validation_alias="KOLIBER_SHOPIFY_STORE",
                               description="The Shopify store's address (`https://my-shop.myshopify.com`).")
    shopify_token: str = Field("", validation_alias="KOLIBER_SHOPIFY_TOKEN",
                               description="An Admin API access token of the shop's custom app.")
    shopify_api_version: str = Field("2025-10", validation_alias="KOLIBER_SHOPIFY_API_VERSION",
                                     description="The Admin GraphQL API version Koliber speaks.")
    shopify_webhook_secret: str = Field("", validation_alias="KOLIBER_SHOPIFY_WEBHOOK_SECRET",
                                        description="The app's client secret, which signs the `orders/updated` "
                                                    "webhook pointed at `/webhooks/shop/shopify`.")
    shop_journal_seconds: int = Field(60, ge=5, validation_alias="KOLIBER_SHOP_JOURNAL_SECONDS",
                                      description="How often the gateway reads the platform's event journal "
                                                  "(BaseLinker, which sends no webhooks) for orders that changed.")
    baselinker_url: str = Field("https://api.baselinker.com/connector.php", validation_alias="KOLIBER_BASELINKER_URL",
                                description="BaseLinker's API address.")
    baselinker_token: str = Field("", validation_alias="KOLIBER_BASELINKER_TOKEN",
                                  description="A BaseLinker API token (Account & other → My account → API).")
    baselinker_requests_per_minute: int = Field(100, ge=1, validation_alias="KOLIBER_BASELINKER_REQUESTS_PER_MINUTE",
                                                description="BaseLinker's limit per token; Koliber keeps under it in "
                                                            "each process.")

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

    @property
    def order_number_lengths(self) -> range:
        shortest, _, longest = self.order_number_digits.partition("-")
        return range(int(shortest), int(longest or shortest) + 1)


@lru_cache
def shop_settings() -> ShopSettings:
    return ShopSettings()
