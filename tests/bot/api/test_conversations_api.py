"""The REST API: clear 4xx errors for bad input, nothing lost when the engine is down."""

from sqlalchemy import func, select

from bot.models.conversation import Message
from bot.models.handoff import Ticket
from tests.bot.conftest import API_KEY


def _count(gateway, model) -> int:
    with gateway.sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_bad_requests_get_clear_errors_and_store_nothing(gateway):
    api = gateway.client
    auth = {"Authorization": f"Bearer {API_KEY}"}
    assert api.post("/api/v1/messages", json={"text": "hi"}).status_code == 401
    assert api.post("/api/v1/messages", json={"text": "hi"}, headers={"Authorization": "Bearer wrong"}).status_code == 401

    invalid_json = api.post("/api/v1/messages", content=b'{"text": "hi"', headers={**auth, "Content-Type": "application/json"})
    assert invalid_json.status_code == 422 and "JSON" in invalid_json.text

    missing = api.post("/api/v1/messages", json={"sender": "x"}, headers=auth)
    assert missing.status_code == 422 and "text" in missing.text

    wrong_type = api.post("/api/v1/messages", content=b"text=hi", headers={**auth, "Content-Type": "application/x-www-form-urlencoded"})
    assert wrong_type.status_code == 415 and "application/json" in wrong_type.json()["detail"]

    huge = api.post("/api/v1/messages", json={"text": "a" * 100_000}, headers=auth)
    assert huge.status_code == 413

    long = api.post("/api/v1/messages", json={"text": "a" * 5_000}, headers=auth)
    assert long.status_code == 422 and "2000" in long.json()["detail"]

    empty = api.post("/api/v1/messages", json={"text": "   "}, headers=auth)
    assert empty.status_code == 422 and "empty" in empty.json()["detail"]

    unknown = api.post("/api/v1/messages", json={"text": "hi", "conversation_id": "nope"}, headers=auth)
    assert unknown.status_code == 404
    assert _count(gateway, Message) == 0


def test_engine_down_apologises_in_the_customers_language_keeps_the_message_and_opens_a_ticket(gateway):
    polish = gateway.post_message("Dzień dobry, gdzie jest moja paczka? Czekam już tydzień", sender="crm-1")
    assert polish.status_code == 200
    reply = polish.json()["replies"]
    assert len(reply) == 1 and reply[0]["author"] == "system"
    assert "Przepraszam" in reply[0]["text"] and "zgłoszenie nr" in reply[0]["text"]

    english = gateway.post_message("Hello, where is my parcel? I have been waiting a week", sender="crm-2")
    assert "Sorry" in english.json()["replies"][0]["text"]

    # A second message in the same conversation: kept too, and still only one ticket for it.
    again = gateway.post_message("Halo?", conversation_id=polish.json()["conversation_id"])
    assert again.status_code == 200
    transcript = gateway.client.get(f"/api/v1/conversations/{polish.json()['conversation_id']}",
                                    headers={"Authorization": f"Bearer {API_KEY}"}).json()
    customer = [m["text"] for m in transcript["messages"] if m["author"] == "customer"]
    assert customer == ["Dzień dobry, gdzie jest moja paczka? Czekam już tydzień", "Halo?"]
    with gateway.sessions() as session:
        tickets = list(session.scalars(select(Ticket).order_by(Ticket.id)))
    assert [(t.reason, t.language) for t in tickets] == [("engine_unavailable", "pl"), ("engine_unavailable", "en")]


def test_a_retried_message_id_is_stored_once(gateway):
    first = gateway.post_message("Where is my order?", sender="crm-3", message_id="m-1")
    retry = gateway.post_message("Where is my order?", sender="crm-3", message_id="m-1")
    assert retry.json()["duplicate"] is True
    assert retry.json()["message_id"] == first.json()["message_id"]
    with gateway.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Message).where(Message.author == "customer")) == 1


def test_openapi_documents_the_api(gateway):
    paths = gateway.client.get("/openapi.json").json()["paths"]
    assert "post" in paths["/api/v1/messages"] and "get" in paths["/api/v1/conversations/{conversation_id}"]
