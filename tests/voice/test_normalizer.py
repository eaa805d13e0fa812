"""Recognised speech ("cztery osiem dwa jeden trzy", "john dot miller at example dot com") comes out
written the way customers type it, and every other word of the utterance stays as it was said."""

import time

import pytest

from text.identifiers import find_email, find_order_number, find_postcode, postcode_key
from voice.normalizer import normalize_spoken, spoken_digits

POLISH = [
    # order numbers, digit by digit, in groups, as digit names, already as digits
    ("cztery osiem dwa jeden trzy", "48213"),
    ("gdzie jest zamówienie cztery osiem dwa jeden trzy", "gdzie jest zamówienie 48213"),
    ("czterdzieści osiem dwieście trzynaście", "48213"),
    ("czterdzieści osiem dwa trzynaście", "48213"),
    ("cztery osiem dwa trzynaście", "48213"),
    ("zamówienie numer czterdzieści osiem tysięcy dwieście trzynaście", "zamówienie numer 48213"),
    ("czwórka ósemka dwójka jedynka trójka", "48213"),
    ("numer zamówienia 4 8 2 1 3", "numer zamówienia 48213"),
    ("numer 48 213", "numer 48213"),
    ("cztery osiem dwa jeden trzy proszę", "48213 proszę"),
    ("chcę anulować zamówienie cztery osiem dwa jeden trzy bo przyszło za późno",
     "chcę anulować zamówienie 48213 bo przyszło za późno"),
    ("sprawdź cztery osiem dwa jeden trzy i cztery osiem dwa jeden cztery", "sprawdź 48213 i 48214"),
    ("cztery osiem dwa jeden piec", "48215"),  # recogniser without diacritics
    ("szesc zero jeden dwa trzy", "60123"),
    ("Cztery, osiem, dwa, jeden, trzy.", "48213."),  # Whisper punctuation
    ("Zamówienie cztery osiem dwa jeden trzy. Dziękuję.", "Zamówienie 48213. Dziękuję."),
    ("końcówka numeru to dziewięć pięć zero", "końcówka numeru to 950"),
    # repeated digits
    ("dwa razy zero jeden cztery siedem", "00147"),
    ("numer to podwójne zero jeden cztery siedem", "numer to 00147"),
    ("podwójna siódemka trzy jeden", "7731"),
    ("cztery podwójna ósemka jeden", "4881"),
    ("trzy razy dziewięć", "999"),
    ("potrójne zero jeden dwa", "00012"),
    ("cztery osiem dwa razy jeden trzy", "48113"),
    ("zero zero trzy razy dziewięć", "00999"),
    # phone numbers
    ("mój numer telefonu to sześćset jeden dwieście trzydzieści cztery pięćset sześćdziesiąt siedem",
     "mój numer telefonu to 601234567"),
    ("sześć zero jeden dwa trzy cztery pięć sześć siedem", "601234567"),
    # postcodes
    ("zero zero myślnik dziewięć pięć zero", "00-950"),
    ("kod pocztowy zero zero myślnik dziewięćset pięćdziesiąt", "kod pocztowy 00-950"),
    ("zero zero minus dziewięć pięć zero", "00-950"),
    ("trzydzieści jeden kreska pięćset sześćdziesiąt cztery", "31-564"),
    ("kod to zero zero myslnik dziewiec piec zero", "kod to 00-950"),
    ("zero zero - dziewięć pięć zero", "00-950"),
    ("zero zero dziewięćset pięćdziesiąt", "00950"),  # no dash said: five digits, as normalize_postcode accepts
    ("mój kod to zero zero dziewięć pięć zero", "mój kod to 00950"),
    ("niemiecki kod jeden zero jeden jeden pięć", "niemiecki kod 10115"),
    ("kod pocztowy zero zero dziewięć pięć zero a zamówienie cztery osiem dwa jeden trzy",
     "kod pocztowy 00950 a zamówienie 48213"),
    # e-mail addresses
    ("jan kropka kowalski małpa gmail kropka com", "jan.kowalski@gmail.com"),
    ("mój mail to jan kropka kowalski małpa gmail kropka com", "mój mail to jan.kowalski@gmail.com"),
    ("jan kropka kowalski malpa gmail kropka com", "jan.kowalski@gmail.com"),
    ("Jan Kropka Kowalski Małpa Gmail Kropka Com.", "jan.kowalski@gmail.com."),
    ("j a n kropka kowalski małpa wp kropka pl", "jan.kowalski@wp.pl"),
    ("jot a en podkreślnik nowak małpa wp kropka pe el", "jan_nowak@wp.pl"),
    ("anna myślnik maria małpa interia kropka pl", "anna-maria@interia.pl"),
    ("ania dolna kreska nowak małpa interia kropka pl", "ania_nowak@interia.pl"),
    ("kowalski osiemdziesiąt pięć małpa o dwa kropka pl", "kowalski85@o2.pl"),
    ("michał kropka wiśniewski małpa onet kropka pl", "michal.wisniewski@onet.pl"),
    ("adres to biuro małpa x myślnik kom kropka pl", "adres to biuro@x-kom.pl"),
    ("anna kropka nowak małpa gmail kropka kom", "anna.nowak@gmail.com"),
    ("mail jan podłoga nowak jeden dwa trzy małpa poczta kropka fm", "mail jan_nowak123@poczta.fm"),
    ("jan podwójne zero małpa wp kropka pl", "jan00@wp.pl"),
    ("jan kropka kowalski małpa gmail.com", "jan.kowalski@gmail.com"),
    ("zamówienie cztery osiem dwa jeden trzy a mail jan małpa wp kropka pl", "zamówienie 48213 a mail jan@wp.pl"),
    # words not joined to the address by a connector are not guessed into it
    ("jan kowalski małpa wp kropka pl", "jan kowalski@wp.pl"),
]

ENGLISH = [
    # order numbers
    ("four eight two one three", "48213"),
    ("where is my order four eight two one three", "where is my order 48213"),
    ("forty eight two thirteen", "48213"),
    ("forty-eight two thirteen", "48213"),
    ("four eight two thirteen", "48213"),
    ("forty eight thousand two hundred and thirteen", "48213"),
    ("double four zero nine six", "44096"),
    ("four eight double two one", "48221"),
    ("triple zero one two", "00012"),
    ("four oh two one three", "40213"),
    ("four o two one three", "40213"),
    ("Four, eight, two, one, three.", "48213."),  # Whisper punctuation
    ("Four. Eight. Two. One. Three.", "48213."),
    ("Oh, four eight two one three.", "Oh, 48213."),  # "Oh," opening a sentence is no zero
    ("My order number is 4 8 2 1 3", "My order number is 48213"),
    ("it's 48 213", "it's 48213"),
    ("it's 48,213", "it's 48213"),
    ("48 two thirteen", "48213"),
    ("it's number four eight two one three, please", "it's number 48213, please"),
    ("order four eight two one three and four eight two one four", "order 48213 and 48214"),
    # phone numbers
    ("my number is oh seven seven double oh nine double one two three four", "my number is 07700911234"),
    ("six oh one two three four five six seven", "601234567"),
    # postcodes
    ("my postcode is zero zero dash nine five zero", "my postcode is 00-950"),
    ("zero zero hyphen nine fifty", "00-950"),
    ("zero zero nine fifty", "00950"),
    ("my postcode is one zero one one five", "my postcode is 10115"),
    ("ten one one five", "10115"),
    ("s w one a one a a", "SW1A 1AA"),
    ("my postcode is e one six a n", "my postcode is E1 6AN"),
    ("postcode m one one a e please", "postcode M1 1AE please"),
    # e-mail addresses
    ("john dot miller at example dot com", "john.miller@example.com"),
    ("my email is john dot miller at example dot com", "my email is john.miller@example.com"),
    ("John dot Miller at example dot com.", "john.miller@example.com."),
    ("j dot smith at gmail dot co dot uk", "j.smith@gmail.co.uk"),
    ("john underscore smith at outlook dot com", "john_smith@outlook.com"),
    ("mary hyphen jane at example dot org", "mary-jane@example.org"),
    ("mary dash jane at example dot org", "mary-jane@example.org"),
    ("john plus shop at gmail dot com", "john+shop@gmail.com"),
    ("j o h n at gmail dot com", "john@gmail.com"),
    ("john seven seven at hotmail dot co dot uk", "john77@hotmail.co.uk"),
    ("bond double oh seven at mi six dot gov dot uk", "bond007@mi6.gov.uk"),
    ("my email is info at koliber dot pl", "my email is info@koliber.pl"),
    ("Email: John.Miller at example.com", "Email: john.miller@example.com"),
    ("I ordered it at amazon dot com", "I ordered it at amazon.com"),  # "it" starts no address
    ("send it to anna at gmail dot com and the order is four eight two one three",
     "send it to anna@gmail.com and the order is 48213"),
]

POLISH_LEFT_ALONE = [
    "ten produkt jest za drogi",  # Polish "ten" is "this", never 10
    "poproszę dwie pary rozmiar czterdzieści dwa",
    "kosztowało dwieście pięćdziesiąt złotych",
    "paczka przyszła trzy dni temu",
    "zamówiłem jedną kurtkę i dwie pary butów",
    "sto procent bawełny",
    "no i kropka",
    "nie pamiętam co jest po małpie",
    "o której będzie dostawa",
    "piec nie działa",
    "zamówienie 48213",
    "mój mail to jan.kowalski@gmail.com",
    "kod pocztowy 00-950",
    # "razy" that repeats no digit
    "dzwoniłem dwa razy",
    "dwa razy dwa to cztery",
    "trzy razy dziennie",
    "zamówiłem dwa razy trzy pary",
    "dzwoniłam trzy razy, zero odpowiedzi",
    "podwójna porcja",
    "",
]

ENGLISH_LEFT_ALONE = [
    "I was at home",
    "I bought two pairs",
    "I want to return two pairs and one jacket",
    "I'll call back at ten thirty",
    "oh I see",
    "Oh, thanks.",
    "one of them is broken",
    "I paid a hundred pounds",
    "it was in two thousand twenty four",
    "size forty two please",
    "meet me at the shop",
    "My email is john.miller@example.com.",
    "cancel my order 48213",
    "my postcode is SW1A 1AA",
    "two times four is eight",
    "a double room for two",
]


@pytest.mark.parametrize(("spoken", "written"), POLISH)
def test_polish_spoken_forms_are_written_out(spoken, written):
    assert normalize_spoken(spoken, "pl") == written


@pytest.mark.parametrize(("spoken", "written"), ENGLISH)
def test_english_spoken_forms_are_written_out(spoken, written):
    assert normalize_spoken(spoken, "en") == written


@pytest.mark.parametrize("text", POLISH_LEFT_ALONE)
def test_polish_text_without_identifiers_is_left_alone(text):
    assert normalize_spoken(text, "pl") == text


@pytest.mark.parametrize("text", ENGLISH_LEFT_ALONE)
def test_english_text_without_identifiers_is_left_alone(text):
    assert normalize_spoken(text, "en") == text


@pytest.mark.parametrize(
    ("spoken", "language"),
    [(spoken, "pl") for spoken, _ in POLISH] + [(spoken, "en") for spoken, _ in ENGLISH],
)
def test_normalising_twice_changes_nothing(spoken, language):
    once = normalize_spoken(spoken, language)
    assert normalize_spoken(once, language) == once


@pytest.mark.parametrize(
    ("spoken", "language"),
    [
        ("cztery osiem dwa jeden trzy", "pl"),
        ("czterdzieści osiem dwieście trzynaście", "pl"),
        ("Four, eight, two, one, three.", "en"),
        ("double four two thirteen", "en"),  # 44 2 13
    ],
)
def test_order_numbers_come_out_as_the_shop_finds_them(spoken, language):
    written = normalize_spoken(spoken, language)
    assert find_order_number(written, language) == written.rstrip(".")


@pytest.mark.parametrize(
    "spoken",
    ["zero zero myślnik dziewięć pięć zero", "zero zero dziewięćset pięćdziesiąt", "kod zero zero dziewięć pięć zero"],
)
def test_polish_postcodes_come_out_as_the_shop_compares_them(spoken):
    assert postcode_key(find_postcode(normalize_spoken(spoken, "pl"))) == "00950"


@pytest.mark.parametrize(
    ("spoken", "language", "address"),
    [
        ("mój mail to j a n kropka kowalski małpa o dwa kropka pl", "pl", "jan.kowalski@o2.pl"),
        ("it's mary hyphen jane at example dot org thanks", "en", "mary-jane@example.org"),
    ],
)
def test_addresses_come_out_as_the_shop_finds_them(spoken, language, address):
    assert find_email(normalize_spoken(spoken, language)) == address


@pytest.mark.parametrize(
    ("spoken", "language", "written"),
    [
        ("four\neight two one three", "en", "48213"),
        ("zero zero  myślnik dziewięć pięć zero", "pl", "00-950"),
        ("jan  kropka kowalski małpa\ngmail kropka com", "pl", "jan.kowalski@gmail.com"),
    ],
)
def test_newlines_and_double_spaces_do_not_split_an_identifier(spoken, language, written):
    assert normalize_spoken(spoken, language) == written


@pytest.mark.parametrize(
    ("spoken", "language", "digits"),
    [
        ("podwójne zero", "pl", "00"),
        ("podwójna siódemka", "pl", "77"),
        ("potrójne zero", "pl", "000"),
        ("dwa razy cztery", "pl", "44"),
        ("siedem cztery", "pl", "74"),
        ("double four", "en", "44"),
        ("triple nine", "en", "999"),
        ("one, two, eight", "en", "128"),
        ("dwa razy", "pl", None),
        ("podwójna porcja", "pl", None),
    ],
)
def test_an_answer_of_only_digits_is_read_with_its_repeats(spoken, language, digits):
    assert spoken_digits(spoken, language) == digits


def test_unknown_language_is_read_as_polish():
    assert normalize_spoken("cztery osiem dwa jeden trzy", "de") == "48213"


def test_an_utterance_takes_well_under_five_milliseconds():
    utterances = [(spoken, "pl") for spoken, _ in POLISH] + [(spoken, "en") for spoken, _ in ENGLISH]
    for spoken, language in utterances:  # loads the tokenisers and number tables once
        normalize_spoken(spoken, language)
    started = time.perf_counter()
    for spoken, language in utterances:
        normalize_spoken(spoken, language)
    assert (time.perf_counter() - started) / len(utterances) < 0.005
