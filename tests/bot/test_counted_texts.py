"""Every count the gateway, the widget and the review inbox put next to a noun takes the noun's form
for that count (CLDR plural rules through text.plurals), in Polish and English, for counts 0-125;
places in the queue are ordinals; days after a preposition are in that preposition's case."""

import re
import string
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.conversations.texts import GatewayTexts, load_texts
from bot.page_texts import contact_page_texts, widget_texts
from bot.settings import PROJECT_ROOT
from text.formatting import position
from text.plurals import counted, noun_form, plural_category
from text.wording import fill

CONFIG = PROJECT_ROOT / "config"
COUNTS = range(0, 126)
PLACES = range(1, 126)
WARSAW = ZoneInfo("Europe/Warsaw")
# Placeholders that hold a count or a place: never bare in a text, always worded by a spec or by forms.
COUNT_PLACEHOLDERS = {"minutes", "count", "position", "max"}


@pytest.fixture(scope="module")
def texts() -> GatewayTexts:
    return load_texts(CONFIG / "gateway_texts.yml", "pl")


def _yaml(name: str) -> dict:
    return yaml.safe_load((CONFIG / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("language", ["pl", "en"])
@pytest.mark.parametrize("count", COUNTS)
def test_the_queue_texts_say_the_place_as_an_ordinal_and_the_wait_with_its_plural_form(texts, language, count):
    place = max(count, 1)
    joined = texts.say("queue_joined", language, position=place, minutes=count)
    still = texts.say("queue_position", language, position=place, minutes=count)
    if language == "pl":  # "około" takes the genitive: około 1 minuty, 3 minut, 12 minut
        wait = f"około {counted(count, 'minute', 'pl', 'genitive')}"
        where = f"na {place}. miejscu w kolejce"
    else:
        wait = f"about {counted(count, 'minute', 'en')}"
        where = f"You're {position(place, 'en')} in the queue"
    assert wait in joined and wait in still
    assert where in joined and where.lower() in still.lower()


@pytest.mark.parametrize("language, count, wait, place", [
    ("pl", 1, "około 1 minuty", "na 1. miejscu"), ("pl", 3, "około 3 minut", "na 3. miejscu"),
    ("pl", 12, "około 12 minut", "na 12. miejscu"), ("pl", 22, "około 22 minut", "na 22. miejscu"),
    ("en", 1, "about 1 minute.", "1st"), ("en", 3, "about 3 minutes", "3rd"), ("en", 11, "about 11 minutes", "11th"),
    ("en", 22, "about 22 minutes", "22nd"), ("en", 112, "about 112 minutes", "112th"),
])
def test_the_queue_text_as_the_customer_reads_it(texts, language, count, wait, place):
    text = texts.say("queue_joined", language, position=count, minutes=count)
    assert wait in text and place in text


@pytest.mark.parametrize("language", ["pl", "en"])
def test_with_no_estimate_the_queue_texts_say_only_the_place(texts, language):
    for key in ("queue_joined_no_estimate", "queue_position_no_estimate"):
        text = texts.say(key, language, position=2)
        assert ("na 2. miejscu" if language == "pl" else "2nd") in text and "?" not in text


@pytest.mark.parametrize("language", ["pl", "en"])
@pytest.mark.parametrize("count", COUNTS)
def test_the_widget_picks_the_form_of_the_noun_the_count_asks_for(language, count):
    """The widget's forms by CLDR category (chosen in the browser by Intl.PluralRules) agree with
    Babel's category and the noun table: "3 minuty", "5 minut", "22 nowe wiadomości"."""
    widget = widget_texts(CONFIG / "widget_texts.yml", language)
    category = plural_category(count, language)
    queue_wait = widget["queue_wait"][category].format(minutes=count)
    live_wait = widget["live_wait"][category].format(minutes=count)
    unread = widget["launcher_unread"][category].format(count=count)
    assert queue_wait.endswith(counted(count, "minute", language))
    assert counted(count, "minute", language, "genitive") in live_wait
    assert unread.startswith(f"{count} ") and unread.endswith(noun_form(count, "message", language))


@pytest.mark.parametrize("count, unread, wait", [
    (1, "1 nowa wiadomość", "1 minuta"), (2, "2 nowe wiadomości", "2 minuty"), (5, "5 nowych wiadomości", "5 minut"),
    (12, "12 nowych wiadomości", "12 minut"), (22, "22 nowe wiadomości", "22 minuty"),
    (0, "0 nowych wiadomości", "0 minut"),
])
def test_the_polish_widget_counts_as_a_pole_writes_them(count, unread, wait):
    widget = widget_texts(CONFIG / "widget_texts.yml", "pl")
    category = plural_category(count, "pl")
    assert widget["launcher_unread"][category].format(count=count) == unread
    assert widget["queue_wait"][category].format(minutes=count).endswith(wait)


@pytest.mark.parametrize("language", ["pl", "en"])
@pytest.mark.parametrize("count", COUNTS)
def test_the_review_inbox_counts_messages_with_their_plural_form(language, count):
    review = _yaml("review_texts.yml")[language]
    case = "accusative" if language == "pl" else "nominative"  # "Odrzucono 1 wiadomość"
    assert counted(count, "message", language, case) in fill(review["notice_dismissed"], language, count=count)
    assert fill(review["times_seen"], language, count=count).startswith(counted(count, "message", language))


def _bare_counts(text: str) -> set[str]:
    return {name for _, name, spec, _ in string.Formatter().parse(text) if name in COUNT_PLACEHOLDERS and not spec}


@pytest.mark.parametrize("name", ["gateway_texts.yml", "delay_notices.yml", "review_texts.yml"])
def test_no_server_text_puts_a_bare_count_next_to_a_noun(name):
    """A count is written with its noun by the placeholder's spec ({minutes:minute/genitive}) or
    stands where no noun follows ("{shown} z {total}" is not one of these placeholders)."""
    for language, section in _yaml(name).items():
        bare = {key: _bare_counts(text) for key, text in section.items() if isinstance(text, str)}
        assert not {key: names for key, names in bare.items() if names}, language


def test_no_widget_text_puts_a_bare_count_next_to_a_noun():
    """In the widget, a count comes with forms by plural category; only Polish places ("3.")
    need none."""
    for language, section in _yaml("widget_texts.yml")["widget"].items():
        for key, text in section.items():
            if isinstance(text, str) and _bare_counts(text) - {"position"}:
                pytest.fail(f"{language}.{key} puts a bare count into one string: {text}")


MONDAY = date(2026, 12, 7)
POLISH_DEADLINES = ["do poniedziałku", "do wtorku", "do środy", "do czwartku", "do piątku", "do soboty", "do niedzieli"]
POLISH_DAYS = ["w poniedziałek", "we wtorek", "we środę", "w czwartek", "w piątek", "w sobotę", "w niedzielę"]


@pytest.mark.parametrize("offset", range(7))
def test_a_delay_notice_says_the_promised_and_the_new_day_after_do_in_the_genitive(offset):
    day = MONDAY + timedelta(days=offset)
    notices = _yaml("delay_notices.yml")
    deadline = f"{POLISH_DEADLINES[offset]}, {day.day} grudnia"
    assert f"miała dotrzeć {deadline}, ale" in fill(notices["pl"]["past_expected_date"], "pl", shop="Sklep Koliber",
                                                     order="51734", promised=day)
    assert fill(notices["pl"]["new_date"], "pl", date=day) == f"Zamówienie powinno teraz dotrzeć {deadline}."
    english = fill(notices["en"]["new_date"], "en", date=day)
    assert english == f"It should now arrive by {day.strftime('%A')} {day.day} December."


@pytest.mark.parametrize("offset", range(7))
def test_when_the_team_answers_or_is_back_is_said_with_the_weekday_after_w(texts, offset):
    """"odezwiemy się we wtorek, 8 grudnia, do 10:00"; "Nasz zespół wróci w sobotę, 12 grudnia, o 9:00"."""
    day = MONDAY + timedelta(days=offset)
    at = datetime(day.year, day.month, day.day, 10, 0, tzinfo=WARSAW)
    reply_by = texts.moment("reply_by", at, WARSAW, "pl")
    assert reply_by == f"{POLISH_DAYS[offset]}, {day.day} grudnia, do 10:00"
    assert texts.say("csat_comment_thanks", "pl", ticket=7, reply_by=reply_by).endswith(f"Odezwiemy się {reply_by}.")
    back = texts.moment("back_at", at.replace(hour=9), WARSAW, "pl")
    assert back == f"{POLISH_DAYS[offset]}, {day.day} grudnia, o 9:00"
    english = texts.moment("reply_by", at, WARSAW, "en")
    assert english == f"by 10:00 on {day.strftime('%A')} {day.day} December"


def test_a_moment_is_said_in_the_shops_time_zone(texts):
    late_evening_utc = datetime(2026, 12, 7, 23, 30, tzinfo=ZoneInfo("UTC"))  # already Tuesday in Warsaw
    assert texts.moment("back_at", late_evening_utc, WARSAW, "pl") == "we wtorek, 8 grudnia, o 0:30"


def test_every_text_renders_with_counts_and_days_in_both_languages(texts):
    """A spec naming an unknown noun or case fails here, not in front of a customer."""
    values = {"position": 3, "minutes": 3, "count": 3, "max": 3, "promised": MONDAY, "date": MONDAY,
              "day": MONDAY, "time": "10:00"}
    for name in ("gateway_texts.yml", "delay_notices.yml", "review_texts.yml"):
        for language, section in _yaml(name).items():
            for key, text in section.items():
                names = {field for _, field, _, _ in string.Formatter().parse(text) if field}
                rendered = fill(text, language, **{field: values.get(field, "x") for field in names})
                assert not re.search(r"\{\w+", rendered), (name, language, key)


@pytest.mark.parametrize("language, count, expected", [
    ("pl", 1, "(do 1 znaku)"), ("pl", 3, "(do 3 znaków)"), ("pl", 2000, "(do 2\u00a0000 znaków)"),
    ("en", 1, "(up to 1 character)"), ("en", 2000, "(up to 2,000 characters)")])
def test_the_contact_pages_limit_on_a_message_says_its_count_with_the_noun(language, count, expected):
    invalid = contact_page_texts(CONFIG / "widget_texts.yml", language)["invalid_message"]
    assert expected in fill(invalid, language, max=count)
