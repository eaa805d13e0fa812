"""The numbers of a bot answer as the phone says them: dates as ordinals, times as people say them,
amounts and counts in the right forms, identifiers digit by digit (voice.tts.numbers through
speakable, the text the synthesizer gets)."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from text import formatting as fmt
from text.spoken import clock_words, date_words
from voice.tts.numbers import say_numbers
from voice.tts.sentences import speakable

WARSAW = ZoneInfo("Europe/Warsaw")

POLISH = [
    # dates as Babel and text.formatting write them
    ("w poniedziałek, 7 grudnia", "w poniedziałek, siódmego grudnia"),
    ("we wtorek, 8 grudnia", "we wtorek, ósmego grudnia"),
    ("do piątku, 18 grudnia", "do piątku, osiemnastego grudnia"),
    ("środa, 25 listopada", "środa, dwudziestego piątego listopada"),
    ("od poniedziałku, 21 grudnia", "od poniedziałku, dwudziestego pierwszego grudnia"),
    ("do 31 stycznia", "do trzydziestego pierwszego stycznia"),
    ("Dostawa 23. listopada", "Dostawa dwudziestego trzeciego listopada"),
    ("do 7 grudnia 2026 r.", "do siódmego grudnia dwa tysiące dwudziestego szóstego roku."),
    # clock times
    ("o 14:00", "o czternastej"),
    ("do 14:30", "do czternastej trzydzieści"),
    ("od 9:00 do 17:00", "od dziewiątej do siedemnastej"),
    ("9:00–17:00", "od dziewiątej do siedemnastej"),
    ("czynne 9:00-17:00", "czynne od dziewiątej do siedemnastej"),
    ("w godz. 9:00–17:00", "w godzinach od dziewiątej do siedemnastej"),
    ("godz. 9–17", "od dziewiątej do siedemnastej"),
    ("godz. 14:00", "o godzinie czternastej"),
    ("najpóźniej o godz. 14:00", "najpóźniej o godzinie czternastej"),
    ("do godz. 14:00", "do godziny czternastej"),
    ("przed 14:00", "przed czternastą"),
    ("przed godz. 14:00", "przed godziną czternastą"),
    ("po 18:00", "po osiemnastej"),
    ("na 8:30", "na ósmą trzydzieści"),
    ("Ok. 14:00", "Około czternastej"),
    ("14:05", "czternasta zero pięć"),
    ("o 14:05", "o czternastej zero pięć"),
    ("o 0:00", "o północy"),
    ("7 grudnia, 14:05", "siódmego grudnia, czternasta zero pięć"),
    # amounts
    ("13,90 €", "trzynaście euro dziewięćdziesiąt centów"),
    ("2 zł", "dwa złote"),
    ("2,00 zł", "dwa złote"),
    ("5 zł", "pięć złotych"),
    ("1 zł", "jeden złoty"),
    ("22 zł", "dwadzieścia dwa złote"),
    ("12,50 zł", "dwanaście złotych pięćdziesiąt groszy"),
    ("1 299,00 zł", "tysiąc dwieście dziewięćdziesiąt dziewięć złotych"),
    ("1\u00a0299,00\u00a0zł", "tysiąc dwieście dziewięćdziesiąt dziewięć złotych"),  # as Babel writes it
    ("1 €", "jedno euro"),
    ("darmowa od 200 zł", "darmowa od dwustu złotych"),
    ("zwrot do 5 zł", "zwrot do pięciu złotych"),
    ("ceny w zł", "ceny w złotych"),
    # counts before a noun the noun table knows
    ("2 minuty", "dwie minuty"),
    ("1 minuta", "jedna minuta"),
    ("masz 1 minutę", "masz jedną minutę"),
    ("22 paczki", "dwadzieścia dwie paczki"),
    ("21 paczek", "dwadzieścia jeden paczek"),
    ("1 dzień roboczy", "jeden dzień roboczy"),
    ("2 dni robocze", "dwa dni robocze"),
    ("5 dni roboczych", "pięć dni roboczych"),
    ("1 zamówienie", "jedno zamówienie"),
    ("w ciągu 3 dni roboczych", "w ciągu trzech dni roboczych"),
    ("w ciągu 1 dnia roboczego", "w ciągu jednego dnia roboczego"),
    ("w ciągu 1–3 dni roboczych", "w ciągu jednego do trzech dni roboczych"),
    ("około 12 minut", "około dwunastu minut"),
    ("ok. 12 min", "około dwunastu minut"),
    ("jeszcze 1 min", "jeszcze jedna minuta"),
    ("poproszę 2 pary", "poproszę 2 pary"),  # a noun the table does not know: left to espeak
    # written ordinals
    ("Jesteś na 3. miejscu w kolejce", "Jesteś na trzecim miejscu w kolejce"),
    ("jesteś 2. w kolejce", "jesteś drugi w kolejce"),
    ("zajęliśmy 1. miejsce", "zajęliśmy pierwsze miejsce"),
    # identifiers
    ("Zamówienie 48213", "Zamówienie cztery osiem dwa, jeden trzy"),
    ("przesyłka 00123456789", "przesyłka zero zero jeden, dwa trzy cztery, pięć sześć siedem, osiem dziewięć"),
    ("60-688 Poznań", "sześćdziesiąt, sześćset osiemdziesiąt osiem Poznań"),
    ("kod 00-950", "kod zero zero, dziewięćset pięćdziesiąt"),
    # left as they are
    ("do 5 sztuk, 1–3", "do 5 sztuk, 1 do 3"),
    ("rozmiar 42, wersja 1.2", "rozmiar 42, wersja 1.2"),
    ("sklep24@koliber.pl", "sklep24@koliber.pl"),
    ("2026-12-07", "2026-12-07"),
]

ENGLISH = [
    ("on Monday 7 December", "on Monday the seventh of December"),
    ("by Friday 18 December", "by Friday the eighteenth of December"),
    ("from Tuesday 8 December", "from Tuesday the eighth of December"),
    ("Wednesday 25 November", "Wednesday the twenty-fifth of November"),
    ("on the 3rd of May", "on the third of May"),
    ("December 7", "December the seventh"),
    ("7 December 2026", "the seventh of December twenty twenty-six"),
    ("at 14:00", "at two pm"),
    ("by 12:00", "by noon"),
    ("9:00–17:30", "nine am to five thirty pm"),
    ("at 9:05", "at nine oh five am"),
    ("7 December, 14:05", "the seventh of December, two oh five pm"),
    ("£13.90", "thirteen pounds ninety pence"),
    ("€1", "one euro"),
    ("PLN1,299.00", "one thousand two hundred and ninety-nine zlotys"),
    ("12.50 PLN", "twelve zlotys fifty groszy"),
    ("You are 3rd in the queue", "You are third in the queue"),
    ("about 12 min", "about twelve minutes"),
    ("1 min", "one minute"),
    ("order 48213", "order four eight two, one three"),
    ("within 1–3 business days", "within 1 to 3 business days"),
    ("size 42", "size 42"),
]


@pytest.mark.parametrize(("written", "said"), POLISH)
def test_polish_numbers_are_said_as_a_pole_says_them(written, said):
    assert say_numbers(written, "pl") == said


@pytest.mark.parametrize(("written", "said"), ENGLISH)
def test_english_numbers_are_said_as_people_say_them(written, said):
    assert say_numbers(written, "en") == said


DECEMBER = [date(2026, 12, 1) + timedelta(days=offset) for offset in range(31)]  # every weekday, every day


@pytest.mark.parametrize("day", DECEMBER, ids=str)
def test_every_date_the_bot_writes_is_said_with_an_ordinal(day):
    for language, month in (("pl", "grudnia"), ("en", "December")):
        spoken_day = date_words(day.day, 12, language)
        for written in (fmt.day(day, language), fmt.on_day(day, language), fmt.by_day(day, language),
                        fmt.from_day(day, language)):
            assert f"{day.day} {month}" in written
            assert say_numbers(written, language) == written.replace(f"{day.day} {month}", spoken_day)


@pytest.mark.parametrize("hour", range(24))
def test_every_hour_after_o_do_and_przed(hour):
    assert say_numbers(f"o {hour}:00", "pl") == f"o {clock_words(hour, 0, 'pl', 'locative')}"
    assert say_numbers(f"do {hour:02d}:30", "pl") == f"do {clock_words(hour, 30, 'pl', 'genitive')}"
    assert say_numbers(f"przed {hour}:00", "pl") == f"przed {clock_words(hour, 0, 'pl', 'instrumental')}"
    assert say_numbers(f"at {hour}:00", "en") == f"at {clock_words(hour, 0, 'en')}"


def test_a_status_answer_as_the_synthesizer_gets_it():
    moment = fmt.moment(datetime(2026, 12, 7, 13, 5, tzinfo=ZoneInfo("UTC")), "pl", WARSAW)
    text = (f"Zamówienie 48213 jest w drodze (DPD, numer przesyłki 00123456789). Ostatnia informacja od "
            f"przewoźnika: Nadana – {moment}, Poznań. Przewidywana dostawa: {fmt.day(date(2026, 12, 8), 'pl')}. "
            f"Zapłacono {fmt.money(Decimal('1299'), 'PLN', 'pl')}.")
    assert speakable(text, "pl") == (
        "Zamówienie cztery osiem dwa, jeden trzy jest w drodze (DPD, numer przesyłki zero zero jeden, dwa trzy "
        "cztery, pięć sześć siedem, osiem dziewięć). Ostatnia informacja od przewoźnika: Nadana, siódmego "
        "grudnia o czternastej zero pięć, Poznań. Przewidywana dostawa: wtorek, ósmego grudnia. Zapłacono tysiąc "
        "dwieście dziewięćdziesiąt dziewięć złotych."
    )


def test_abbreviations_are_expanded_after_the_numbers_they_precede():
    assert speakable("Zamów do godz. 14:00 albo zadzwoń: tel. 500 600 700.", "pl") == (
        "Zamów do godziny czternastej albo zadzwoń: telefon 500 600 700."
    )
