"""Entity annotations and text folding, as the checks and the evaluation read them."""

from bot.trainer.data.annotations import EntitySpan, fold, parse_annotated


def test_short_and_json_annotations_become_spans_in_the_plain_text():
    text, spans = parse_annotated('zamówienie [48213](order_id), mail [a@b.pl]{"entity": "email"}')
    assert text == "zamówienie 48213, mail a@b.pl"
    assert spans == [EntitySpan("order_id", 11, 16, "48213"), EntitySpan("email", 23, 29, "a@b.pl")]
    assert text[11:16] == "48213" and text[23:29] == "a@b.pl"


def test_a_synonym_value_is_kept():
    assert parse_annotated("[dpd](carrier:DPD)")[1] == [EntitySpan("carrier", 0, 3, "DPD")]


def test_fold_ignores_case_diacritics_punctuation_and_annotations():
    assert fold("Gdzie jest  ZAMÓWIENIE [48213](order_id)?!") == fold("gdzie jest zamowienie 48213")
    assert fold("Łódź") == "lodz"
