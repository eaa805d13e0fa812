"""The fake engine answers as the real one does (testing/fakes/engine.py): every check here runs against
both, so what a gateway test learns from the fake holds for the engine the gateway really talks to."""

import uuid
from collections.abc import Iterator

import httpx
import pytest

from bot.engine.address import EngineAddress
from testing.fakes.engine import FakeEngine, served


@pytest.fixture(params=["fake", pytest.param("real", marks=pytest.mark.engine)])
def engine(request) -> Iterator[EngineAddress]:
    if request.param == "real":
        yield request.getfixturevalue("stack").engine
    else:
        with served(FakeEngine()) as fake:
            yield fake.address


@pytest.fixture
def sender() -> str:
    return f"contract-{uuid.uuid4().hex[:12]}"


def take_turn(client: httpx.Client, sender: str, text: str) -> httpx.Response:
    return client.post("/webhooks/koliber/turn", json={"sender": sender, "message": text,
                                                       "metadata": {"language": "en", "channel": "web"}})


def user_texts(tracker: dict) -> list[str]:
    return [event["text"] for event in tracker["events"] if event["event"] == "user"]


def test_one_turn_answers_with_the_replies_and_what_the_engine_made_of_it(engine, sender):
    with engine.client(timeout=30) as client:
        turn = take_turn(client, sender, "Hello!").json()
        tracker = client.get(f"/conversations/{sender}/tracker").json()
        without_events = client.get(f"/conversations/{sender}/tracker", params={"include_events": "NONE"}).json()
    assert set(turn) == {"messages", "intent", "confidence", "slots", "active_loop"}
    assert turn["messages"] and all(message["recipient_id"] == sender for message in turn["messages"])
    assert isinstance(turn["intent"], str) and 0 < turn["confidence"] <= 1 and turn["slots"]["language"] == "en"
    assert tracker["sender_id"] == sender and tracker["latest_message"]["text"] == "Hello!"
    assert user_texts(tracker) == ["Hello!"] and tracker["slots"]["language"] == "en"
    assert without_events["events"] is None


def test_the_channel_reads_only_its_bearer_token_and_the_http_api_only_its_query_token(engine, sender):
    bearer_only = httpx.Client(base_url=engine.url, headers={"Authorization": f"Bearer {engine.token}"}, timeout=30)
    query_only = httpx.Client(base_url=engine.url, params={"token": engine.token}, timeout=30)
    with bearer_only, query_only:
        turn_with_query_token = take_turn(query_only, sender, "Hello!")
        forget_with_query_token = query_only.delete(f"/webhooks/koliber/conversations/{sender}")
        status_with_bearer_token = bearer_only.get("/status")
        assert take_turn(bearer_only, sender, "Hello!").status_code == 200
        assert isinstance(query_only.get("/status").json()["model_file"], str)
    assert (turn_with_query_token.status_code, turn_with_query_token.json()) == (401, {"error": "unauthorised"})
    assert forget_with_query_token.status_code == 401
    refusal = status_with_bearer_token.json()
    assert (status_with_bearer_token.status_code, refusal["status"], refusal["reason"]) == (
        401, "failure", "NotAuthenticated")


def test_a_wrong_token_opens_nothing(engine, sender):
    with EngineAddress(engine.url, "guessed-token").client(timeout=30) as wrong:
        answers = [take_turn(wrong, sender, "Hello!"), wrong.get("/status"), wrong.post("/model/parse", json={"text": "hi"}),
                   wrong.get(f"/conversations/{sender}/tracker"), wrong.delete(f"/webhooks/koliber/conversations/{sender}")]
    assert [answer.status_code for answer in answers] == [401] * 5
    with engine.client(timeout=30) as client:
        assert user_texts(client.get(f"/conversations/{sender}/tracker").json()) == []


def test_parsing_names_an_intent_and_its_entities(engine):
    with engine.client(timeout=30) as client:
        parsed = client.post("/model/parse", json={"text": "Where is my order 48213?"}).json()
    assert parsed["text"] == "Where is my order 48213?" and isinstance(parsed["intent"]["name"], str)
    assert {"entity": "order_id", "value": "48213"}.items() <= next(
        entity for entity in parsed["entities"] if entity["entity"] == "order_id").items()


def test_a_forgotten_conversation_is_gone(engine, sender):
    with engine.client(timeout=30) as client:
        take_turn(client, sender, "Hello!").raise_for_status()
        forgotten = client.delete(f"/webhooks/koliber/conversations/{sender}")
        tracker = client.get(f"/conversations/{sender}/tracker").json()
    assert forgotten.json() == {"deleted": sender}
    assert user_texts(tracker) == []
