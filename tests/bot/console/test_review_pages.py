"""The review inbox's pages: who may use them, labelling into (a copy of) nlu_data, dismissing,
exporting a conversation as a test story, and the audit log of all of it."""

import shutil

import pytest
import yaml

from bot.console.auth import SESSION_COOKIE
from bot.handoff.agents import create_agent
from bot.models.handoff import AgentRole
from bot.models.review import ReviewAction, ReviewDecision
from bot.settings import PROJECT_ROOT
from db.sessions import unit_of_work
from tests.bot.console.console_client import SAME_ORIGIN
from tests.bot.trainer.inbox_data import REPHRASE_PL, Chat

PASSWORD = "trainer-password"


@pytest.fixture
def workspace(tmp_path):
    """Copies of the training data and a story file path: the repo's files are never written."""
    shutil.copytree(PROJECT_ROOT / "nlu_data", tmp_path / "nlu_data")
    return tmp_path


@pytest.fixture
def review_gateway(make_gateway, database_url, workspace):
    return make_gateway(database_url, NLU_DATA_DIR=str(workspace / "nlu_data"),
                        KOLIBER_EXPORTED_STORIES=str(workspace / "stories" / "test_from_conversations.yml"))


class Browser:
    def __init__(self, gateway, username: str) -> None:
        response = gateway.client.post("/console/login", data={"username": username, "password": PASSWORD},
                                       headers=SAME_ORIGIN, follow_redirects=False)
        assert response.status_code == 303, response.text
        self.headers = {"Cookie": f"{SESSION_COOKIE}={response.cookies[SESSION_COOKIE]}", **SAME_ORIGIN}
        gateway.client.cookies.clear()
        self._client = gateway.client

    def get(self, url: str, **kwargs):
        return self._client.get(url, headers=self.headers, follow_redirects=False, **kwargs)

    def post(self, url: str, data: dict, **kwargs):
        return self._client.post(url, data=data, headers=self.headers, follow_redirects=False, **kwargs)


def log_in(gateway, username: str, role: AgentRole, languages=("pl", "en")) -> Browser:
    with unit_of_work(gateway.sessions) as session:
        create_agent(session, username, username.title(), PASSWORD, list(languages), role)
    return Browser(gateway, username)


def a_missed_polish_message(gateway, text: str = "gdzie moja paka 48213 anna.nowak@example.pl") -> tuple[str, int]:
    with unit_of_work(gateway.sessions) as session:
        chat = Chat(session)
        message = chat.customer(text, "nlu_fallback", 0.2)
        chat.bot(REPHRASE_PL)
        return chat.id, message.id


def test_only_trainers_and_admins_get_in(review_gateway):
    agent = log_in(review_gateway, "ola", AgentRole.AGENT)
    trainer = log_in(review_gateway, "tr", AgentRole.TRAINER)
    admin = log_in(review_gateway, "boss", AgentRole.ADMIN)
    conversation_id, message_id = a_missed_polish_message(review_gateway)

    assert review_gateway.client.get("/console/review", follow_redirects=False).headers["location"] == "/console/login"
    assert review_gateway.client.post("/console/review/dismiss", data={"message_ids": str(message_id)},
                                      headers=SAME_ORIGIN).status_code == 401
    for url in ("/console/review", "/console/review/audit"):
        assert agent.get(url).status_code == 403
    for url, data in (("/console/review/label", {"message_ids": str(message_id), "intent": "order_status",
                                                 "example": "gdzie moja paka"}),
                      ("/console/review/dismiss", {"message_ids": str(message_id)}),
                      (f"/console/review/conversations/{conversation_id}/export", {})):
        assert agent.post(url, data).status_code == 403
    assert trainer.get("/console/review").status_code == 200
    assert admin.get("/console/review").status_code == 200
    assert trainer.get("/console").headers["location"] == "/console/review"  # a trainer's start page
    assert admin.get("/console").status_code == 200  # admins keep the queue


def test_a_trainer_labels_a_missed_message_into_the_training_data(review_gateway, workspace):
    trainer = log_in(review_gateway, "tr", AgentRole.TRAINER)
    _, message_id = a_missed_polish_message(review_gateway)
    _, again = a_missed_polish_message(review_gateway, "Gdzie moja paka 51734 jan@wp.pl")  # the same words

    page = trainer.get("/console/review?language=pl").text
    assert 'data-message-ids="%d,%d"' % (again, message_id) in page
    # Personal data never reaches the suggestion the trainer starts from.
    assert "gdzie moja paka [10001](order_id) [customer1@example.com](email)" in page.replace("Gdzie", "gdzie")

    orders = workspace / "nlu_data" / "pl" / "orders.yml"
    before = orders.read_text(encoding="utf-8")
    response = trainer.post("/console/review/label", {
        "message_ids": f"{again},{message_id}", "intent": "order_status",
        "example": "gdzie moja paka [10001](order_id) [customer1@example.com](email)", "back": "language=pl"})
    assert response.status_code == 303
    assert response.headers["location"].startswith("/console/review?language=pl&notice=labelled")

    after = orders.read_text(encoding="utf-8")
    assert after.replace("    - gdzie moja paka [10001](order_id) [customer1@example.com](email)\n", "", 1) == before
    with review_gateway.sessions() as session:
        decisions = session.query(ReviewDecision).order_by(ReviewDecision.message_id).all()
        assert [(d.message_id, d.action, d.intent, d.target_file) for d in decisions] == [
            (message_id, ReviewAction.LABELLED, "order_status", "pl/orders.yml"),
            (again, ReviewAction.LABELLED, "order_status", "pl/orders.yml")]
        assert decisions[0].entities[0] == {"entity": "order_id", "start": 16, "end": 21, "value": "10001"}
    shown = trainer.get(response.headers["location"]).text
    assert "Dodano do pl/orders.yml" in shown and "paka" not in shown.split("review-items")[1]  # left the inbox

    again_response = trainer.post("/console/review/label", {"message_ids": str(message_id), "intent": "order_status",
                                                            "example": "gdzie moja paka"})
    assert again_response.status_code == 409  # decided already
    assert orders.read_text(encoding="utf-8") == after


def test_bad_labels_are_refused_and_nothing_is_written(review_gateway, workspace):
    trainer = log_in(review_gateway, "tr", AgentRole.TRAINER)
    _, message_id = a_missed_polish_message(review_gateway)
    snapshot = {p: p.read_bytes() for p in (workspace / "nlu_data").rglob("*.yml")}
    for intent, example, status in (("no_such_intent", "gdzie moja paka", 422),
                                    ("order_status", "gdzie [moja paka](product)", 422),  # undeclared entity
                                    ("order_status", "gdzie [moja paka", 422),
                                    ("complaint", "gdzie jest moja paczka?", 409)):  # order_status has it
        response = trainer.post("/console/review/label", {"message_ids": str(message_id), "intent": intent,
                                                          "example": example})
        assert response.status_code == status, (intent, example)
        assert "Nie zapisano" in response.text or "Not saved" in response.text
    assert {p: p.read_bytes() for p in (workspace / "nlu_data").rglob("*.yml")} == snapshot
    assert trainer.post("/console/review/dismiss", {"message_ids": "999999"}).status_code == 404


def test_dismiss_export_and_the_audit_log(review_gateway, workspace):
    trainer = log_in(review_gateway, "tr", AgentRole.TRAINER, languages=("en",))
    conversation_id, message_id = a_missed_polish_message(review_gateway)

    assert trainer.post("/console/review/dismiss", {"message_ids": str(message_id)}).status_code == 303
    assert f'data-message-ids="{message_id}"' not in trainer.get("/console/review").text

    # The engine is down in these tests: the story is rebuilt from what the gateway stored.
    exported = trainer.post(f"/console/review/conversations/{conversation_id}/export", {})
    assert exported.status_code == 200 and 'data-source="transcript"' in exported.text
    story_file = workspace / "stories" / "test_from_conversations.yml"
    story = yaml.safe_load(story_file.read_text(encoding="utf-8"))["stories"][0]
    assert story["steps"] == [
        {"user": "gdzie moja paka [10001](order_id) [customer1@example.com](email)\n", "intent": "nlu_fallback"},
        {"action": "utter_ask_rephrase"}]
    assert trainer.post("/console/review/conversations/nope/export", {}).status_code == 404

    audit = trainer.get("/console/review/audit").text  # the trainer speaks English: the page does too
    assert "audit log" in audit
    rows = audit.split("<tbody>")[1]
    assert rows.index('data-action="export_story"') < rows.index('data-action="dismiss"')  # newest first
    assert "exported a test story" in rows and "dismissed" in rows and "(tr)" in rows
    assert "anna.nowak" not in rows  # the log says what was dismissed without the customer's data
    assert "Dziennik zmian" in trainer.get("/console/review/audit?lang=pl").text
