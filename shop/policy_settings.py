"""The parts of the shop's policy the owner edits in the console — the shipping table and dispatch
cut-off, the return rules, the contact details — as forms that check what was typed, the JSON
sections they are stored as, and the policy in force: the stored sections laid over config/shop_policy.yml.
The opening hours customers are told follow the hours set on the console's opening-hours page."""

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time as clock_time
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from shop.calendar import BusinessCalendar
from shop.owner_settings import OPENING_HOURS, WEEKDAYS, LiveSettings, Problem, stored
from shop.policy import CalendarPolicy, Localized, ShopPolicy
from text.formatting import weekly_hours

SHIPPING, RETURNS, CONTACT = "shipping", "returns", "contact"
SECTIONS = (SHIPPING, RETURNS, CONTACT)
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
AMOUNT = re.compile(r"^\d{1,6}([.,]\d{1,2})?$")  # 0 to 999999.99, with a dot or a Polish comma
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[\d ()-]{6,24}$")
MAX_CARRIER, MAX_PHONE, MAX_EMAIL, MAX_ADDRESS = 60, 24, 120, 200
MAX_WINDOW_DAYS, MAX_TRANSIT_DAYS = 365, 60
YES, NO = "yes", "no"


def _amount(text: str) -> Decimal | None:
    """A money amount ≥ 0 with at most two decimals, or None."""
    if not AMOUNT.match(text):
        return None
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None


def _whole(text: str, lowest: int, highest: int) -> int | None:
    return int(text) if text.isdigit() and lowest <= int(text) <= highest else None


def _money(amount: Decimal) -> str:
    return f"{amount:.2f}"


@dataclass(frozen=True)
class MethodForm:
    carrier: str
    prices: dict[str, str]  # currency -> amount as typed
    transit_days: str
    free_over_threshold: bool


@dataclass(frozen=True)
class ShippingForm:
    """Prices, carriers and transit times of the methods config/shop_policy.yml lists (by code), the
    free-shipping threshold per currency and the dispatch cut-off."""

    free_shipping_threshold: dict[str, str]
    dispatch_cutoff: str
    methods: dict[str, MethodForm]

    @classmethod
    def of(cls, policy: ShopPolicy) -> "ShippingForm":
        return cls(free_shipping_threshold={c: _money(a) for c, a in policy.shipping.free_shipping_threshold.items()},
                   dispatch_cutoff=policy.calendar.dispatch_cutoff.strftime("%H:%M"),
                   methods={m.code: MethodForm(m.carrier, {c: _money(a) for c, a in m.price.items()},
                                               str(m.transit_days), m.free_over_threshold)
                            for m in policy.shipping.methods})

    def problems(self) -> list[Problem]:
        found = [Problem(f"threshold_{currency}", "amount_format")
                 for currency, amount in self.free_shipping_threshold.items() if _amount(amount) is None]
        if not HHMM.match(self.dispatch_cutoff):
            found.append(Problem("dispatch_cutoff", "cutoff_format"))
        for code, method in self.methods.items():
            if not 0 < len(method.carrier) <= MAX_CARRIER:
                found.append(Problem(f"{code}_carrier", "carrier_text"))
            found += [Problem(f"{code}_price_{currency}", "amount_format")
                      for currency, amount in method.prices.items() if _amount(amount) is None]
            if _whole(method.transit_days, 0, MAX_TRANSIT_DAYS) is None:
                found.append(Problem(f"{code}_transit_days", "transit_range"))
        return found

    def stored(self) -> dict[str, Any]:
        """The section as saved in the database (only after `problems()` found none)."""
        return {"free_shipping_threshold": {c: _money(_amount(a)) for c, a in self.free_shipping_threshold.items()},
                "dispatch_cutoff": self.dispatch_cutoff,
                "methods": {code: {"carrier": m.carrier, "price": {c: _money(_amount(a)) for c, a in m.prices.items()},
                                   "transit_days": int(m.transit_days), "free_over_threshold": m.free_over_threshold}
                            for code, m in self.methods.items()}}

    def shown(self) -> dict[str, str]:
        """Field by field, as the audit log shows them."""
        fields = {"free_shipping_threshold": _priced(self.free_shipping_threshold),
                  "dispatch_cutoff": self.dispatch_cutoff}
        for code, m in self.methods.items():
            fields |= {f"{code}.carrier": m.carrier, f"{code}.price": _priced(m.prices),
                       f"{code}.transit_days": m.transit_days, f"{code}.free_over_threshold": YES if
                       m.free_over_threshold else NO}
        return fields


def _priced(amounts: dict[str, str]) -> str:
    return ", ".join(f"{amount} {currency}" for currency, amount in amounts.items())


@dataclass(frozen=True)
class ReturnsForm:
    window_days: str
    non_returnable_categories: list[str]

    @classmethod
    def of(cls, policy: ShopPolicy) -> "ReturnsForm":
        return cls(str(policy.returns.window_days), list(policy.returns.non_returnable_categories))

    def problems(self, categories: dict[str, Localized]) -> list[Problem]:
        found = []
        if _whole(self.window_days, 1, MAX_WINDOW_DAYS) is None:
            found.append(Problem("window_days", "window_range"))
        if any(category not in categories for category in self.non_returnable_categories):
            found.append(Problem("non_returnable_categories", "unknown_category"))
        return found

    def stored(self) -> dict[str, Any]:
        return {"window_days": int(self.window_days),
                "non_returnable_categories": sorted(set(self.non_returnable_categories))}

    def shown(self) -> dict[str, str]:
        return {"window_days": self.window_days,
                "non_returnable_categories": ", ".join(sorted(self.non_returnable_categories)) or "—"}


@dataclass(frozen=True)
class ContactForm:
    """What customers are told when they ask how to reach the shop."""

    phone: str
    email: str
    address: dict[str, str]  # language -> address

    @classmethod
    def of(cls, policy: ShopPolicy) -> "ContactForm":
        contact = policy.contact
        return cls(contact.phone, contact.email, {"pl": contact.address.pl, "en": contact.address.en})

    def problems(self) -> list[Problem]:
        found = []
        if not (PHONE.match(self.phone) and sum(ch.isdigit() for ch in self.phone) >= 6):
            found.append(Problem("phone", "phone_format"))
        if len(self.email) > MAX_EMAIL or not EMAIL.match(self.email):
            found.append(Problem("email", "email_format"))
        found += [Problem(f"address_{language}", "address_text")
                  for language, text in self.address.items() if not 0 < len(text) <= MAX_ADDRESS]
        return found

    def stored(self) -> dict[str, Any]:
        return {"phone": self.phone, "email": self.email, "address": dict(self.address)}

    def shown(self) -> dict[str, str]:
        return {"phone": self.phone, "email": self.email,
                **{f"address_{language}": text for language, text in self.address.items()}}


def apply(defaults: ShopPolicy, sections: dict[str, dict[str, Any] | None]) -> ShopPolicy:
    """The policy in force: each section saved in the console over the defaults from config/."""
    policy = defaults
    if shipping := sections.get(SHIPPING):
        changed = shipping["methods"]
        methods = [m.model_copy(update={"carrier": changed[m.code]["carrier"],
                                        "price": {c: Decimal(a) for c, a in changed[m.code]["price"].items()},
                                        "transit_days": changed[m.code]["transit_days"],
                                        "free_over_threshold": changed[m.code]["free_over_threshold"]})
                   if m.code in changed else m for m in policy.shipping.methods]
        threshold = {c: Decimal(a) for c, a in shipping["free_shipping_threshold"].items()}
        policy = policy.model_copy(update={
            "shipping": policy.shipping.model_copy(update={"methods": methods, "free_shipping_threshold": threshold}),
            "calendar": policy.calendar.model_copy(update={
                "dispatch_cutoff": clock_time.fromisoformat(shipping["dispatch_cutoff"])})})
    if returns := sections.get(RETURNS):
        policy = policy.model_copy(update={"returns": policy.returns.model_copy(update=returns)})
    if contact := sections.get(CONTACT):
        policy = policy.model_copy(update={"contact": policy.contact.model_copy(update={
            "phone": contact["phone"], "email": contact["email"], "address": Localized(**contact["address"])})})
    if hours := sections.get(OPENING_HOURS):  # customers are told the hours the console set
        week = [tuple(hours["weekly_hours"][day]) if day in hours["weekly_hours"] else None for day in WEEKDAYS]
        said = Localized(**{language: weekly_hours(week, language, hours["observe_holidays"])
                            for language in Localized.model_fields})
        policy = policy.model_copy(update={"contact": policy.contact.model_copy(update={"opening_hours": said})})
    return policy


def read_policy(session: Session, defaults: ShopPolicy) -> ShopPolicy:
    return apply(defaults, {section: stored(session, section) for section in (*SECTIONS, OPENING_HOURS)})


class LivePolicy(LiveSettings[ShopPolicy]):
    """The shop policy in force in this process (the gateway's and the action server's alike)."""

    def __init__(self, sessions: sessionmaker[Session], defaults: ShopPolicy, keep_seconds: float = 5.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        super().__init__(sessions, defaults, lambda session: read_policy(session, defaults), keep_seconds, monotonic)


class PolicyInForce:
    """What a shop service answers from: a fixed policy, or the one in force (a LivePolicy); and its
    business calendar, built again only when the calendar part of the policy changes."""

    def __init__(self, policy: ShopPolicy | Callable[[], ShopPolicy]) -> None:
        self._source: Callable[[], ShopPolicy] = policy if callable(policy) else (lambda: policy)
        self._calendar: tuple[CalendarPolicy, str, BusinessCalendar] | None = None

    def policy(self) -> ShopPolicy:
        return self._source()

    def calendar(self) -> BusinessCalendar:
        policy = self._source()
        built = self._calendar
        if built is None or built[0] != policy.calendar or built[1] != policy.shop.timezone:
            built = (policy.calendar, policy.shop.timezone, BusinessCalendar(policy.calendar, policy.shop.timezone))
            self._calendar = built
        return built[2]


class AnswersFromPolicyInForce:
    """A shop service's `policy` and `calendar`: the ones in force when asked (its `_in_force`)."""

    _in_force: PolicyInForce

    @property
    def policy(self) -> ShopPolicy:
        """The policy in force: config/shop_policy.yml with what the owner changed in the console."""
        return self._in_force.policy()

    @property
    def calendar(self) -> BusinessCalendar:
        return self._in_force.calendar()
