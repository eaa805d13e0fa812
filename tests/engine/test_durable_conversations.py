"""Conversations live in the database, not in the engine's memory (Rasa's SQLTrackerStore in the app's
own SQLite file here): a half-done verification, an open address form and an unfinished survey
carry on after the engine is killed with SIGKILL and started again."""

import pytest

pytestmark = pytest.mark.engine


def test_half_done_dialogues_carry_on_after_the_engine_is_killed(stack):
    verification = stack.conversation(language="pl")
    verification.say("gdzie jest moja paczka?")
    assert "e-mail" in verification.say("48213").text

    address = stack.conversation(language="en")
    address.say("I need to change the delivery address")
    address.say("90215")
    assert "new delivery address" in address.say("piotr.wisniewski@example.pl").text

    survey = stack.conversation(language="pl", channel="voice")
    assert "dwa krótkie pytania" in survey.say("/give_feedback").text
    assert "W skali od 0 do 10" in survey.say("tak, proszę").text

    stack.crash_and_restart_engine()

    assert "w drodze" in verification.say("anna.nowak@example.pl").text
    assert "ul. Polna 3, 31-042" in address.say("ul. Polna 3, 31-042 Kraków").text  # the form took the address
    assert stack.shop.get_order("90215").delivery_postcode == "31-042"
    assert "co najbardziej wpłynęło" in survey.say("dziewięć").text


@pytest.mark.parametrize("language", ["pl", "en"])
def test_a_message_sent_again_after_its_engine_died_gets_its_first_answer_not_a_second_turn(stack, language):
    """The engine that took a turn saved it and died before answering; the gateway sends the same
    message to another engine, which must not run the turn again (a second "48213" would be read
    as the contact and fail the verification)."""
    chat = stack.conversation(language=language)
    chat.say("gdzie jest moja paczka?" if language == "pl" else "where is my parcel?")
    body = {"sender": chat.sender, "message": "48213", "metadata": {"language": language}, "message_id": "m-2"}
    with stack.engine.client(timeout=30) as client:
        first = client.post("/webhooks/koliber/turn", json=body).json()
        again = client.post("/webhooks/koliber/turn", json={**body, "resent": True}).json()
        tracker = client.get(f"/conversations/{chat.sender}/tracker").json()
    assert again["messages"] == first["messages"] and "e-mail" in first["messages"][0]["text"]
    assert [e.get("text") for e in tracker["events"] if e["event"] == "user"].count("48213") == 1
    assert ("w drodze" if language == "pl" else "on its way") in chat.say("anna.nowak@example.pl").text
