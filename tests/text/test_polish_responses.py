"""Every response in domain.yml reads the way a Pole (or an English speaker) writes it: a count
comes with its noun in the form text.plurals gives for that count and case, never after a colon
("dni robocze od wysyłki: 3"); a date says the preposition of its phrase ("wyślemy paczkę
w poniedziałek", "do piątku", never "do piątek").

The responses are rendered the way the actions fill them: the real actions answer from the demo
shop with the shop's counts (return window, refund days, transit days) set to each of COUNTS, which
moves the dates they name over the weekdays too. A response no scenario reaches is rendered from
its template with the values the actions gave the same placeholder elsewhere.
"""

import os
import re
import shutil
import string
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Action

from actions.information import ActionContactInfo, ActionDeliveryTime, ActionReturnPolicy, ActionShippingOptions
from actions.order_changes import ActionCancelOrder
from actions.order_requests import ActionAnswerOrderRequest
from actions.shop_access import use_shop
from bot.settings import PROJECT_ROOT
from db.sessions import make_engine, session_factory, unit_of_work
from shop.policy import ShopPolicy
from shop.seed import seed_demo_shop
from shop.service import SqlShopService
from tests.actions.helpers import make_tracker, run
from tests.conftest import FIXED_NOW
from text import formatting as fmt
from text.plurals import noun_form

COUNTS = (0, 1, 2, 5, 12, 22, 25, 101, 125)
LANGUAGES = ("pl", "en")
DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
NOUNS = yaml.safe_load((PROJECT_ROOT / "text" / "data" / "nouns.yml").read_text(encoding="utf-8"))
WEEK = [date(2026, 12, 7) + timedelta(days=n) for n in range(7)]  # Monday to Sunday
# Each Polish weekday's forms, and "w" or "we" before it, as text.formatting writes them.
POLISH_WEEKDAYS = [{"on": fmt.on_day(day, "pl").split(" ")[0],
                    **{case: fmt.weekday(day, "pl", case) for case in ("nominative", "accusative", "genitive")}}
                   for day in WEEK]
ENGLISH_WEEKDAYS = [fmt.weekday(day, "en") for day in WEEK]

# Words after which a Polish count takes the genitive ("w ciągu 5 dni roboczych", "do 2 dni").
GENITIVE_AFTER = ("w ciągu", "do", "od", "około", "ok.", "bez", "dla", "u", "z")
# Words before an English weekday that make it a date phrase ("on Monday", "by Friday").
ENGLISH_DATE_PREPOSITIONS = ("on", "by", "from", "until", "before", "after")

# (order, request) as verified customers ask them; 36620's return is started before its refund is asked.
ORDER_REQUESTS = (
    *((number, "order_status") for number in ("48213", "51734", "60418", "72951", "83307", "36620", "19582",
                                              "44096", "55870")),
    *((number, "start_return") for number in ("27145", "48213", "25519", "36620")),
    *((number, "refund_status") for number in ("19582", "44096", "48213", "36620")),  # 36620: its new return
    *((number, "cancel_order") for number in ("72951", "48213")),
    *((number, "payment_problem") for number in ("60418", "90215", "38461", "72951")),
    *((number, "get_invoice") for number in ("48213", "72951", "19582")),
)
# Every response with a count or a date: the scenarios must reach each, over all the counts, so that
# it is checked with the values its action gives.
REACHED = {
    "utter_delivery_time", "utter_holiday_deadline", "utter_return_policy", "utter_order_status_paid",
    "utter_order_status_packed", "utter_order_status_shipped", "utter_order_status_late",
    "utter_order_status_delivered", "utter_return_created", "utter_return_window_expired", "utter_refund_sent",
    "utter_refund_pending", "utter_refund_awaiting_return", "utter_cancel_too_late", "utter_order_cancelled_refund",
    "utter_payment_ok", "utter_payment_failed", "utter_payment_paid_but_unpaid", "utter_invoice_available",
}  # utter_payment_awaiting: no demo order lacks a payment; its {pay_by} is utter_payment_failed's
# Placeholders a run's scenarios may not fill (the forms' and the survey's, or a response its counts
# do not call for): neither counts nor dates, so any plain value checks the response's own words.
SAMPLE_VALUES = {
    "order": "48213", "address": "ul. Nowa 5, 02-001 Warszawa", "case_code": "RK-2026-0042", "nps_candidate": "7",
}


# --- The checks: each returns what it found wrong in one text ---------------------------------

def _noun_forms(language: str) -> list[tuple[str, str]]:
    """Every form of every noun in the table with its noun, longest first ("dni robocze" before "dni")."""
    forms = set()
    for noun, entry in NOUNS[language].items():
        if language == "en":
            forms |= {(form, noun) for form in entry.values()}
        else:
            forms |= {(form, noun) for number in ("singular", "plural") for form in entry[number].values()}
    return sorted(forms, key=lambda pair: -len(pair[0]))


def _alternatives(forms) -> str:
    return "|".join(re.escape(form) for form in dict.fromkeys(forms))


def _counted_pattern(language: str) -> re.Pattern[str]:
    # "1–3 dni roboczych": the noun agrees with the last number of a range.
    forms = _alternatives(form for form, _ in _noun_forms(language))
    return re.compile(rf"(?<![\d,.:/-])(?:\d+[–-])?(\d+) ({forms})\b", re.IGNORECASE)


def _plural_forms(language: str) -> list[str]:
    if language == "en":
        return [entry["other"] for entry in NOUNS["en"].values()]
    return [form for entry in NOUNS["pl"].values() for form in entry["plural"].values()]


def wrong_counts(text: str, language: str) -> list[str]:
    """Each "<count> <noun>" whose noun is not the form text.plurals gives for that count."""
    nouns = dict(_noun_forms(language))
    problems = []
    for match in _counted_pattern(language).finditer(text):
        count, written = int(match[1]), match[2]
        noun = nouns[written.lower()]
        before = text[:match.start()].rstrip().lower()
        genitive = language == "pl" and before.endswith(tuple(f" {word}" for word in GENITIVE_AFTER))
        cases = ("genitive",) if genitive else ("nominative", "accusative")
        expected = {noun_form(count, noun, language, case) for case in cases}
        if written.lower() not in expected:
            problems.append(f"{match[0]!r}: wants {' / '.join(sorted(expected))}")
    return problems


def counts_after_a_colon(text: str, language: str) -> list[str]:
    """A plural noun, then a count after a colon: "dni robocze od wysyłki: 3". Longer numbers after
    a colon are identifiers (order numbers), not counts."""
    pattern = rf"\b(?:{_alternatives(_plural_forms(language))})\b[^.:;()]*:\s+\d{{1,3}}\b(?![\d-])"
    return [match[0] for match in re.finditer(pattern, text, re.IGNORECASE)]


def weekdays_out_of_their_phrase(text: str, language: str) -> list[str]:
    """A weekday must say its phrase: "w poniedziałek", "we wtorek", "do piątku", "od środy"; standing
    alone (after a colon or in brackets) it is the nominative. English: "on/by/from Monday"."""
    problems = []
    if language == "en":
        for match in re.finditer(rf"\b({'|'.join(ENGLISH_WEEKDAYS)})\b", text):
            before = text[:match.start()].rstrip()
            if not (before.endswith((":", "(")) or before.split(" ")[-1] in ENGLISH_DATE_PREPOSITIONS):
                problems.append(f"{before[-20:]}{match[0]!r}")
        return problems
    forms = {form: (day, case) for day in POLISH_WEEKDAYS for case, form in day.items() if case != "on"}
    for match in re.finditer(rf"\b({_alternatives(sorted(forms, key=len, reverse=True))})\b", text, re.IGNORECASE):
        day, _ = forms[match[0].lower()]
        before = text[:match.start()].rstrip()
        previous = before.split(" ")[-1].lower() if before else ""
        if previous in ("w", "we"):
            wanted = f"{day['on']} {day['accusative']}"
        elif previous in ("do", "od"):
            wanted = f"{previous} {day['genitive']}"
        elif not before or before.endswith((":", "(")):
            wanted = day["nominative"]
        else:
            wanted = f"{day['on']} / do / od + {day['nominative']}"
        said = f"{previous} {match[0]}" if previous in ("w", "we", "do", "od") else match[0]
        if said.lower() != wanted:
            problems.append(f"{before[-20:]}{match[0]!r}: wants {wanted!r}")
    return problems


def doubled_words(text: str, _: str) -> list[str]:
    """"do do piątku", "on on Monday": a template still saying the preposition its date now brings."""
    return [match[0] for match in re.finditer(r"\b([^\W\d_]+(?: [^\W\d_]+)?) \1\b", text, re.IGNORECASE)]


CHECKS = (wrong_counts, counts_after_a_colon, weekdays_out_of_their_phrase, doubled_words)


def problems_in(text: str, language: str) -> list[str]:
    return [f"{check.__name__}: {problem}" for check in CHECKS for problem in check(text, language)]


# --- Rendering the responses as the actions fill them -----------------------------------------

def variants(name: str, language: str) -> list[str]:
    """The response's texts for `language`, every conditional variant."""
    return [variant["text"] for variant in DOMAIN["responses"][name]
            if any(c.get("name") == "language" and c.get("value") == language for c in variant.get("condition", []))]


def placeholders(template: str) -> list[str]:
    return [field for _, field, _, _ in string.Formatter().parse(template) if field]


def with_counts(policy: ShopPolicy, count: int) -> ShopPolicy:
    """The shop's policy with every count the responses name set to `count` (unvalidated: 0 too)."""
    returns = policy.returns.model_copy(update={"window_days": count, "refund_processing_days": count})
    methods = [method.model_copy(update={"transit_days": count}) for method in policy.shipping.methods]
    return policy.model_copy(update={"returns": returns,
                                     "shipping": policy.shipping.model_copy(update={"methods": methods})})


@pytest.fixture
def shop_with_counts(migrated_template: Path, tmp_path: Path, policy: ShopPolicy):
    """Opens a fresh demo shop whose policy names `count` everywhere, for the actions to answer from."""
    engines = []

    def open_shop(count: int) -> SqlShopService:
        copy = tmp_path / f"shop-{count}.db"
        shutil.copy(migrated_template, copy)
        engines.append(make_engine(f"sqlite:///{copy}"))
        sessions = session_factory(engines[-1])
        with unit_of_work(sessions) as session:
            seed_demo_shop(session, policy, FIXED_NOW, filler_orders=0)
        service = SqlShopService(sessions, with_counts(policy, count), clock=lambda: FIXED_NOW)
        use_shop(service)
        return service

    yield open_shop
    use_shop(None)
    for engine in engines:
        engine.dispose()


def scenario_messages(language: str) -> Iterator[dict[str, Any]]:
    """What the actions say, in `language`, to the questions customers ask most."""
    def said(action: Action, text: str = "", **slots: Any) -> list[dict[str, Any]]:
        tracker = make_tracker(text, slots={"language": language, **slots})
        return [m for m in run(action, tracker, DOMAIN)[1].messages if m.get("response")]

    yield from said(ActionDeliveryTime(), "ile trwa dostawa")
    yield from said(ActionDeliveryTime(), "delivery to Germany")
    yield from said(ActionReturnPolicy())
    yield from said(ActionContactInfo())
    yield from said(ActionShippingOptions(), "dostawa do Polski")
    yield from said(ActionShippingOptions(), "shipping to Germany")
    for number, request in ORDER_REQUESTS:
        yield from said(ActionAnswerOrderRequest(), order_id=number, verified_order=number, pending_request=request)
    # Last: the cancellation changes the order.
    yield from said(ActionCancelOrder(), order_id="72951", verified_order="72951", pending_confirmation="cancel_order")


def render_all(messages: list[dict[str, Any]], earlier: list[dict[str, Any]], language: str) -> dict[str, list[str]]:
    """Every response's texts in `language`: the actions' own messages, and each response they did
    not say filled with the values the actions gave the same placeholder in the response closest in
    name ("…_late_untracked" takes "…_late"'s), in this run or else an `earlier` one."""
    texts: dict[str, list[str]] = {}
    for message in messages:
        values = {key: value for key, value in message.items() if key not in ("response", "text")}
        texts.setdefault(message["response"], []).extend(
            template.format(**values) for template in variants(message["response"], language))
    for name in DOMAIN["responses"]:
        if name in texts:
            continue
        for template in variants(name, language):
            values = {}
            for field in placeholders(template):
                said = [m for m in messages if m.get(field)] or [m for m in earlier if m.get(field)]
                if said:
                    closest = max(said, key=lambda m: len(os.path.commonprefix([m["response"], name])))
                    values[field] = closest[field]
                else:
                    assert field in SAMPLE_VALUES, f"{name}: no scenario fills {{{field}}}: add one, or a sample"
                    values[field] = SAMPLE_VALUES[field]
            texts.setdefault(name, []).append(template.format(**values))
    return {name: [text.replace("\xa0", " ") for text in rendered] for name, rendered in texts.items()}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_response_has_its_counts_and_dates_in_the_right_form(shop_with_counts, language):
    earlier: list[dict[str, Any]] = []
    problems = []
    for count in COUNTS:
        shop_with_counts(count)
        messages = list(scenario_messages(language))
        problems += [f"{count=} {name}: {problem}\n    {text}"
                     for name, texts in render_all(messages, earlier, language).items() for text in texts
                     for problem in problems_in(text, language)]
        earlier += messages
    assert not problems, "\n".join(problems)
    assert REACHED - {m["response"] for m in earlier} == set(), "the scenarios no longer reach these responses"


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_template_writes_a_count_placeholder_before_its_noun(language):
    """"w ciągu {refund_days} dni roboczych" cannot agree with every count: the noun comes with the
    count from text.plurals.counted."""
    forms = _alternatives(_plural_forms(language))
    found = [f"{name}: {match[0]}" for name in DOMAIN["responses"] for template in variants(name, language)
             for match in re.finditer(rf"\{{\w+\}} ({forms})\b", template, re.IGNORECASE)]
    assert found == []


# --- The checks themselves catch what the issue saw -------------------------------------------

MONDAY, FRIDAY = WEEK[0], WEEK[4] + timedelta(days=7)


@pytest.mark.parametrize(("language", "text", "check"), [
    # The two bugs, and a template that keeps its own "do" before a date that brings one.
    ("pl", f"Jeśli zamówisz teraz, wyślemy paczkę {fmt.day(MONDAY, 'pl')}.", weekdays_out_of_their_phrase),
    ("pl", f"Zamów i opłać do {fmt.day(FRIDAY, 'pl')}, godz. 14:00.", weekdays_out_of_their_phrase),
    ("pl", f"Zamów i opłać do {fmt.by_day(FRIDAY, 'pl')}.", doubled_words),
    ("pl", "Dotrze za 2 dni (dni robocze od wysyłki: 3).", counts_after_a_colon),
    ("pl", "Pieniądze oddajemy w ciągu 5 dni robocze.", wrong_counts),
    ("pl", "Pieniądze oddajemy w ciągu 1 dni roboczych.", wrong_counts),
    ("pl", "Pieniądze oddajemy w ciągu 5 dni roboczych dni roboczych.", doubled_words),
    ("pl", "Masz 22 dni roboczych.", wrong_counts),
    ("pl", "Czekasz 5 minuty.", wrong_counts),
    ("en", "We refund within 1 business days.", wrong_counts),
    ("en", "It arrives in 2 business day.", wrong_counts),
    ("en", f"We'll ship {fmt.day(MONDAY, 'en')}.", weekdays_out_of_their_phrase),
    ("en", f"We'll ship on {fmt.on_day(MONDAY, 'en')}.", doubled_words),
    ("en", "Fastest delivery (business days after dispatch: 3).", counts_after_a_colon),
])
def test_the_checks_catch_broken_grammar(language, text, check):
    assert check(text, language)


@pytest.mark.parametrize(("language", "text"), [
    ("pl", f"Wyślemy paczkę {fmt.on_day(MONDAY, 'pl')}, a dotrze {fmt.on_day(MONDAY + timedelta(days=2), 'pl')}."),
    ("pl", f"Zamów i opłać {fmt.by_day(FRIDAY, 'pl')}, najpóźniej o godz. 14:00."),
    ("pl", f"Przewidywana dostawa: {fmt.day(MONDAY, 'pl')}. Doręczono ({fmt.day(FRIDAY, 'pl')})."),
    ("pl", "Dotrze w ciągu 1 dnia roboczego (2 dni robocze od wysyłki), a zwykle w ciągu 1–3 dni roboczych."),
    ("pl", "Masz 1 minutę, 22 minuty albo 25 minut; zamówienie 48213, numer: 48213."),
    ("en", f"We'll ship {fmt.on_day(MONDAY, 'en')}; pay {fmt.by_day(FRIDAY, 'en')} (1 business day, 2 business days)."),
])
def test_the_checks_pass_good_grammar(language, text):
    assert problems_in(text, language) == []
