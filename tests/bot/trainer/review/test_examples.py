"""The example a trainer starts from, and the checks on the one they submit."""

import pytest

from bot.trainer.data.personal_data import Kind
from bot.trainer.review.examples import ExampleError, LabelledEntity, parse_example, suggest_example

ENTITIES = ("order_id", "email", "postcode", "phone")


def test_the_suggestion_hides_personal_data_and_annotates_the_domains_entities():
    assert suggest_example("Zamówienie  48213,\nkod 00-950, tel 601 234 567, pozdrawiam Anna", ENTITIES,
                           [(Kind.NAME, "Anna")]) == \
        "Zamówienie [10001](order_id), kod [10-001](postcode), tel [600 000 001](phone), pozdrawiam Jan"
    assert suggest_example("48213", ("email",)) == "10001"  # not an entity of this domain: left plain


def test_a_submitted_example_is_parsed_into_text_and_entities():
    example = parse_example("  status [10001](order_id) i [a@b.pl](email:a@b.pl)  ", ENTITIES)
    assert example.annotated == "status [10001](order_id) i [a@b.pl](email:a@b.pl)"
    assert example.text == "status 10001 i a@b.pl"
    assert example.entities == (LabelledEntity("order_id", 7, 12, "10001"), LabelledEntity("email", 15, 21, "a@b.pl"))


@pytest.mark.parametrize("bad, reason", [
    ("", "empty"), ("x" * 501, "longer"), ("gdzie [paczka](product)", "unknown entity"),
    ("gdzie [paczka", "not closed"), ("- gdzie paczka", "cannot start"), ("/order_status", "cannot start")])
def test_unusable_examples_are_refused_with_a_reason(bad, reason):
    with pytest.raises(ExampleError, match=reason):
        parse_example(bad, ENTITIES)
