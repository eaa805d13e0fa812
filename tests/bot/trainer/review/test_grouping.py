"""Near-identical missed messages become one inbox item with a count."""

from datetime import timedelta

from bot.models.conversation import Channel
from bot.trainer.review.grouping import group_key, group_messages
from bot.trainer.review.inbox import MissedMessage, Reason
from tests.bot.trainer.inbox_data import T0


def message(id_: int, text: str, language: str = "pl", minutes: int = 0, reason: Reason = Reason.FALLBACK,
            intent: str = "nlu_fallback") -> MissedMessage:
    return MissedMessage(id_, f"c{id_}", text, language, Channel.WEB, intent, 0.2, T0 + timedelta(minutes=minutes),
                         frozenset({reason}), None)


def test_case_diacritics_spacing_punctuation_and_digits_are_folded():
    assert group_key("Gdzie jest  ZAMÓWIENIE 48213?!") == group_key("gdzie jest zamowienie 51734") \
        == "gdzie jest zamowienie order"
    assert group_key("mój mail: Jan@wp.pl, 2 razy") == group_key("moj mail anna.nowak@example.pl 3 razy")
    assert group_key("Łódź") == group_key("lodz")
    assert group_key("gdzie jest paczka") != group_key("gdzie jest faktura")


def test_groups_count_members_and_keep_the_newest_text_first():
    items = group_messages([
        message(1, "Gdzie jest paczka 48213?", minutes=1),
        message(2, "gdzie jest paczka 51734", minutes=5, reason=Reason.LOW_CONFIDENCE, intent="order_status"),
        message(3, "gdzie  jest PACZKA 60418!", minutes=3),
        message(4, "where is my parcel", language="en", minutes=9),
        message(5, "gdzie jest paczka", language="en", minutes=2),  # same words, other language: its own item
    ])
    assert [(item.text, item.count) for item in items] == [
        ("gdzie jest paczka 51734", 3), ("where is my parcel", 1), ("gdzie jest paczka", 1)]
    first = items[0]
    assert first.message_ids == [2, 3, 1]
    assert first.reasons == [Reason.LOW_CONFIDENCE, Reason.FALLBACK]
    assert first.bot_intents == [("nlu_fallback", 2), ("order_status", 1)]
