"""The shop's policy file (config/shop_policy.yml) as typed, validated objects."""

from datetime import time
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, field_validator

LANGUAGES = ("pl", "en")


class Localized(BaseModel):
    """A text in both languages; `in_(lang)` picks one."""

    pl: str
    en: str

    def in_(self, language: str) -> str:
        return self.en if language == "en" else self.pl


class SeasonalDeadline(BaseModel):
    name: Localized
    month: int
    day: int


class CalendarPolicy(BaseModel):
    holidays_country: str
    extra_closed_days: list[str] = []
    dispatch_cutoff: time
    seasonal_deadlines: list[SeasonalDeadline] = []


class ShippingMethod(BaseModel):
    code: str
    name: Localized
    carrier: str
    countries: list[str]
    price: dict[str, Decimal]
    transit_days: int
    free_over_threshold: bool


class ShippingPolicy(BaseModel):
    free_shipping_threshold: dict[str, Decimal]
    methods: list[ShippingMethod]

    def methods_for(self, country: str) -> list[ShippingMethod]:
        return [m for m in self.methods if country in m.countries]

    def method(self, code: str) -> ShippingMethod | None:
        """The method with this code; None for one the policy does not list (a platform's own)."""
        return next((m for m in self.methods if m.code == code), None)


class Country(BaseModel):
    name: Localized
    match: list[str]


class ReturnsPolicy(BaseModel):
    window_days: int = 14
    refund_processing_days: int
    return_shipping: Localized
    conditions: Localized
    non_returnable_categories: list[str]


class Contact(BaseModel):
    phone: str
    email: str
    address: Localized
    opening_hours: Localized


class ShopInfo(BaseModel):
    name: Localized
    website: str
    timezone: str


class InvoicePolicy(BaseModel):
    download_url: str


class ShopPolicy(BaseModel):
    shop: ShopInfo
    contact: Contact
    calendar: CalendarPolicy
    shipping: ShippingPolicy
    countries: dict[str, Country]
    returns: ReturnsPolicy
    categories: dict[str, Localized]
    payment_methods: dict[str, Localized]
    payment_failures: dict[str, Localized]
    invoices: InvoicePolicy
    tracking_events: dict[str, Localized] = Field(default_factory=dict)

    @field_validator("returns")
    @classmethod
    def _window_positive(cls, value: ReturnsPolicy) -> ReturnsPolicy:
        if value.window_days <= 0:
            raise ValueError("returns.window_days must be positive")
        return value

    def country_name(self, code: str, language: str) -> str:
        country = self.countries.get(code)
        return country.name.in_(language) if country else code

    def find_country(self, text: str) -> str | None:
        """The country a message talks about, from the names in the policy file."""
        lowered = f" {text.lower()} "
        for code, country in self.countries.items():
            if any(f" {alias} " in _spaced(lowered) for alias in country.match):
                return code
        return None


def _spaced(text: str) -> str:
    return "".join(ch if ch.isalnum() else " " for ch in text)


def load_policy(path: Path) -> ShopPolicy:
    with path.open(encoding="utf-8") as handle:
        return ShopPolicy.model_validate(yaml.safe_load(handle))


@lru_cache
def cached_policy(path: Path) -> ShopPolicy:
    return load_policy(path)
