"""Numbers, dates, clock times and amounts in the words a Pole or an English speaker says them.

The expected words are written out by hand (a grammar book's tables), not derived from num2words,
so a change in num2words or in the inflection rule shows up here."""

from decimal import Decimal

import pytest

from text.spoken import (
    amount_words,
    cardinal,
    clock_words,
    currency_name,
    date_words,
    digit_groups,
    month_number,
    ordinal,
    postcode_words,
    year_words,
)

# The day of a month as said in a Polish date: the masculine genitive ordinal, 1..31.
POLISH_DAYS = [
    "pierwszego", "drugiego", "trzeciego", "czwartego", "piątego", "szóstego", "siódmego", "ósmego",
    "dziewiątego", "dziesiątego", "jedenastego", "dwunastego", "trzynastego", "czternastego",
    "piętnastego", "szesnastego", "siedemnastego", "osiemnastego", "dziewiętnastego", "dwudziestego",
    "dwudziestego pierwszego", "dwudziestego drugiego", "dwudziestego trzeciego", "dwudziestego czwartego",
    "dwudziestego piątego", "dwudziestego szóstego", "dwudziestego siódmego", "dwudziestego ósmego",
    "dwudziestego dziewiątego", "trzydziestego", "trzydziestego pierwszego",
]
ENGLISH_DAYS = [
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
    "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth",
    "eighteenth", "nineteenth", "twentieth", "twenty-first", "twenty-second", "twenty-third",
    "twenty-fourth", "twenty-fifth", "twenty-sixth", "twenty-seventh", "twenty-eighth", "twenty-ninth",
    "thirtieth", "thirty-first",
]
POLISH_MONTHS = ["stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia",
                 "września", "października", "listopada", "grudnia"]
ENGLISH_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                  "October", "November", "December"]

# The hour in "o 14:00" (feminine locative), 0..23; midnight is "o północy".
POLISH_HOURS_LOCATIVE = [
    "północy", "pierwszej", "drugiej", "trzeciej", "czwartej", "piątej", "szóstej", "siódmej", "ósmej",
    "dziewiątej", "dziesiątej", "jedenastej", "dwunastej", "trzynastej", "czternastej", "piętnastej",
    "szesnastej", "siedemnastej", "osiemnastej", "dziewiętnastej", "dwudziestej", "dwudziestej pierwszej",
    "dwudziestej drugiej", "dwudziestej trzeciej",
]
# The same hours standing alone ("14:00" -> "czternasta") and after "przed" ("przed czternastą").
POLISH_HOURS_NOMINATIVE = [
    "północ", "pierwsza", "druga", "trzecia", "czwarta", "piąta", "szósta", "siódma", "ósma",
    "dziewiąta", "dziesiąta", "jedenasta", "dwunasta", "trzynasta", "czternasta", "piętnasta",
    "szesnasta", "siedemnasta", "osiemnasta", "dziewiętnasta", "dwudziesta", "dwudziesta pierwsza",
    "dwudziesta druga", "dwudziesta trzecia",
]
POLISH_HOURS_INSTRUMENTAL = [
    "północą", "pierwszą", "drugą", "trzecią", "czwartą", "piątą", "szóstą", "siódmą", "ósmą",
    "dziewiątą", "dziesiątą", "jedenastą", "dwunastą", "trzynastą", "czternastą", "piętnastą",
    "szesnastą", "siedemnastą", "osiemnastą", "dziewiętnastą", "dwudziestą", "dwudziestą pierwszą",
    "dwudziestą drugą", "dwudziestą trzecią",
]
ENGLISH_HOURS = [
    "midnight", "one am", "two am", "three am", "four am", "five am", "six am", "seven am", "eight am",
    "nine am", "ten am", "eleven am", "noon", "one pm", "two pm", "three pm", "four pm", "five pm",
    "six pm", "seven pm", "eight pm", "nine pm", "ten pm", "eleven pm",
]


@pytest.mark.parametrize("day", range(1, 32))
def test_every_day_of_the_month_is_an_ordinal_in_the_genitive(day):
    assert ordinal(day, "pl", "m", "genitive") == POLISH_DAYS[day - 1]
    assert ordinal(day, "en") == ENGLISH_DAYS[day - 1]


@pytest.mark.parametrize("month", range(1, 13))
@pytest.mark.parametrize("day", range(1, 32))
def test_every_date_is_said_as_people_say_it(day, month):
    assert date_words(day, month, "pl") == f"{POLISH_DAYS[day - 1]} {POLISH_MONTHS[month - 1]}"
    assert date_words(day, month, "en") == f"the {ENGLISH_DAYS[day - 1]} of {ENGLISH_MONTHS[month - 1]}"


@pytest.mark.parametrize("month", range(1, 13))
def test_written_month_names_are_recognised_in_either_case(month):
    assert month_number(POLISH_MONTHS[month - 1], "pl") == month
    assert month_number(ENGLISH_MONTHS[month - 1].lower(), "en") == month


def test_a_year_after_a_date():
    assert date_words(7, 12, "pl", 2026) == "siódmego grudnia dwa tysiące dwudziestego szóstego roku"
    assert date_words(7, 12, "en", 2026) == "the seventh of December twenty twenty-six"
    assert year_words(2030, "pl") == "dwa tysiące trzydziestego roku"


@pytest.mark.parametrize("hour", range(24))
def test_every_full_hour_in_the_case_its_preposition_asks_for(hour):
    assert clock_words(hour, 0, "pl", "locative") == POLISH_HOURS_LOCATIVE[hour]  # o 14:00, po 14:00
    assert clock_words(hour, 0, "pl", "genitive") == POLISH_HOURS_LOCATIVE[hour]  # do 14:00, od 14:00
    assert clock_words(hour, 0, "pl") == POLISH_HOURS_NOMINATIVE[hour]
    assert clock_words(hour, 0, "pl", "instrumental") == POLISH_HOURS_INSTRUMENTAL[hour]  # przed 14:00
    assert clock_words(hour, 0, "en") == ENGLISH_HOURS[hour]


@pytest.mark.parametrize(
    ("hour", "minute", "case", "polish", "english"),
    [
        (14, 30, "genitive", "czternastej trzydzieści", "two thirty pm"),
        (14, 5, "locative", "czternastej zero pięć", "two oh five pm"),
        (9, 15, "nominative", "dziewiąta piętnaście", "nine fifteen am"),
        (2, 45, "accusative", "drugą czterdzieści pięć", "two forty-five am"),
        (12, 1, "nominative", "dwunasta zero jeden", "twelve oh one pm"),
        (23, 59, "locative", "dwudziestej trzeciej pięćdziesiąt dziewięć", "eleven fifty-nine pm"),
        (0, 30, "locative", "zero trzydzieści", "twelve thirty am"),
        (0, 5, "nominative", "zero zero pięć", "twelve oh five am"),
    ],
)
def test_times_with_minutes(hour, minute, case, polish, english):
    assert clock_words(hour, minute, "pl", case) == polish
    assert clock_words(hour, minute, "en") == english


@pytest.mark.parametrize(
    ("number", "gender", "case", "said"),
    [
        (1, "m", "nominative", "jeden"),
        (1, "f", "nominative", "jedna"),
        (1, "n", "nominative", "jedno"),
        (1, "f", "accusative", "jedną"),
        (1, "m", "genitive", "jednego"),
        (1, "f", "genitive", "jednej"),
        (2, "m", "nominative", "dwa"),
        (2, "f", "nominative", "dwie"),
        (2, "n", "nominative", "dwa"),
        (2, "f", "instrumental", "dwiema"),
        (2, "m", "instrumental", "dwoma"),
        (3, "m", "genitive", "trzech"),
        (5, "f", "genitive", "pięciu"),
        (12, "f", "genitive", "dwunastu"),
        (21, "f", "nominative", "dwadzieścia jeden"),  # "jeden" never changes inside a number
        (21, "m", "genitive", "dwudziestu jeden"),
        (22, "f", "nominative", "dwadzieścia dwie"),
        (22, "m", "genitive", "dwudziestu dwóch"),
        (22, "f", "instrumental", "dwudziestoma dwiema"),
        (125, "m", "genitive", "stu dwudziestu pięciu"),
        (200, "m", "genitive", "dwustu"),
        (1299, "m", "genitive", "tysiąca dwustu dziewięćdziesięciu dziewięciu"),
        (2002, "f", "nominative", "dwa tysiące dwie"),
        (5000, "m", "genitive", "pięciu tysięcy"),
    ],
)
def test_polish_cardinals_agree_with_their_noun(number, gender, case, said):
    assert cardinal(number, "pl", gender, case) == said


@pytest.mark.parametrize(
    ("number", "gender", "case", "said"),
    [
        (3, "n", "locative", "trzecim"),  # na 3. miejscu
        (3, "n", "nominative", "trzecie"),
        (2, "f", "nominative", "druga"),  # after g the i goes
        (2, "f", "instrumental", "drugą"),
        (2, "m", "genitive", "drugiego"),
        (3, "f", "nominative", "trzecia"),  # after c it stays
        (3, "f", "genitive", "trzeciej"),
        (22, "n", "nominative", "dwudzieste drugie"),
        (1, "m", "nominative", "pierwszy"),
        (100, "m", "locative", "setnym"),
    ],
)
def test_polish_ordinals_in_every_gender(number, gender, case, said):
    assert ordinal(number, "pl", gender, case) == said


@pytest.mark.parametrize(
    ("amount", "currency", "case", "polish"),
    [
        ("13.90", "EUR", "nominative", "trzynaście euro dziewięćdziesiąt centów"),
        ("2", "PLN", "nominative", "dwa złote"),
        ("2.00", "PLN", "nominative", "dwa złote"),
        ("5", "PLN", "nominative", "pięć złotych"),
        ("1", "PLN", "nominative", "jeden złoty"),
        ("22", "PLN", "nominative", "dwadzieścia dwa złote"),
        ("12.50", "PLN", "nominative", "dwanaście złotych pięćdziesiąt groszy"),
        ("1299.00", "PLN", "nominative", "tysiąc dwieście dziewięćdziesiąt dziewięć złotych"),
        ("0.99", "PLN", "nominative", "dziewięćdziesiąt dziewięć groszy"),
        ("0.01", "PLN", "nominative", "jeden grosz"),
        ("1.02", "PLN", "nominative", "jeden złoty dwa grosze"),
        ("1", "EUR", "nominative", "jedno euro"),
        ("0.21", "EUR", "nominative", "dwadzieścia jeden centów"),
        ("200", "PLN", "genitive", "dwustu złotych"),  # od 200 zł
        ("1", "PLN", "genitive", "jednego złotego"),
        ("3.50", "GBP", "nominative", "trzy funty pięćdziesiąt pensów"),
    ],
)
def test_polish_amounts(amount, currency, case, polish):
    assert amount_words(Decimal(amount), currency, "pl", case) == polish


@pytest.mark.parametrize(
    ("amount", "currency", "english"),
    [
        ("13.90", "GBP", "thirteen pounds ninety pence"),
        ("1", "EUR", "one euro"),
        ("1.01", "GBP", "one pound one penny"),
        ("12.50", "PLN", "twelve zlotys fifty groszy"),
        ("1299", "EUR", "one thousand two hundred and ninety-nine euros"),
        ("0.05", "USD", "five cents"),
    ],
)
def test_english_amounts(amount, currency, english):
    assert amount_words(Decimal(amount), currency, "en") == english


def test_a_currency_said_without_an_amount():
    assert currency_name("PLN", "pl") == "złotych"
    assert currency_name("EUR", "en") == "euros"


@pytest.mark.parametrize(
    ("digits", "polish", "english"),
    [
        ("48213", "cztery osiem dwa, jeden trzy", "four eight two, one three"),
        ("123456", "jeden dwa trzy, cztery pięć sześć", "one two three, four five six"),
        ("1234567", "jeden dwa trzy, cztery pięć, sześć siedem", "one two three, four five, six seven"),
        ("0012", "zero zero, jeden dwa", "zero zero, one two"),
        ("7", "siedem", "seven"),
    ],
)
def test_identifiers_are_said_digit_by_digit_in_groups(digits, polish, english):
    assert digit_groups(digits, "pl") == polish
    assert digit_groups(digits, "en") == english


def test_no_group_is_a_single_digit():
    for length in range(2, 20):
        groups = digit_groups("5" * length, "en").split(", ")
        assert all(len(group.split()) in (2, 3) for group in groups), length


@pytest.mark.parametrize(
    ("code", "polish", "english"),
    [
        ("60-688", "sześćdziesiąt, sześćset osiemdziesiąt osiem", "sixty, six hundred and eighty-eight"),
        ("00-950", "zero zero, dziewięćset pięćdziesiąt", "zero zero, nine hundred and fifty"),
        ("02-001", "zero dwa, zero zero jeden", "zero two, zero zero one"),
        ("31-564", "trzydzieści jeden, pięćset sześćdziesiąt cztery", "thirty-one, five hundred and sixty-four"),
    ],
)
def test_postcodes_are_said_as_two_numbers(code, polish, english):
    assert postcode_words(code, "pl") == polish
    assert postcode_words(code, "en") == english
