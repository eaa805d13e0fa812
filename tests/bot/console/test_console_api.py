"""The agent console's log-in and JSON API: sessions, claiming, replies reaching the customer,
notes that never do, resolving and handing back."""

from bot.console.auth import SESSION_COOKIE
from tests.bot.channels.chat_client import ChatSocket
from tests.bot.console.console_client import SAME_ORIGIN


class AgentBrowser:
    """One agent's requests, with their own session cookie, through the gateway's test client
    (one event loop for the whole gateway, as under uvicorn)."""

    def __init__(self, gateway, token: str) -> None:
        self._client = gateway.client
        self.headers = {"Cookie": f"{SESSION_COOKIE}={token}", **SAME_ORIGIN}

    def get(self, url: str, **kwargs):
        return self._client.get(url, headers=self.headers, **kwargs)

    def post(self, url: str, **kwargs):
        return self._client.post(url, headers=self.headers, **kwargs)


def _log_in(gateway, username: str, password: str = "agent-password") -> AgentBrowser:
    response = gateway.client.post("/console/login", data={"username": username, "password": password},
                                   headers=SAME_ORIGIN, follow_redirects=False)
    assert response.status_code == 303, response.text
    token = response.cookies[SESSION_COOKIE]
    gateway.client.cookies.clear()
    return AgentBrowser(gateway, token)


def _ticket_from_web_chat(gateway, text: str, language: str = "pl") -> tuple[ChatSocket, object]:
    """A web chat whose message found the engine down: a ticket waits in the queue."""
    socket_context = gateway.client.websocket_connect("/chat/ws")
    chat = ChatSocket(socket_context.__enter__())
    chat.hello(language)
    chat.say(text)
    chat.replies_until_idle()
    return chat, socket_context


def test_log_in_and_out(gateway):
    gateway.add_agent("ola", ["pl"])
    assert gateway.client.get("/console", follow_redirects=False).headers["location"] == "/console/login"
    assert gateway.client.get("/console/api/queue").status_code == 401
    wrong = gateway.client.post("/console/login", data={"username": "ola", "password": "nope"}, headers=SAME_ORIGIN)
    assert wrong.status_code == 401 and "Wrong username or password" in wrong.text
    agent = _log_in(gateway, "ola")
    assert agent.get("/console/api/queue").status_code == 200
    assert "Ola" in agent.get("/console").text
    agent.post("/console/logout", follow_redirects=False)
    assert agent.get("/console/api/queue").status_code == 401  # the session is gone server-side


def test_claim_reply_note_and_hand_back(gateway):
    ola = gateway.add_agent("ola", ["pl"])
    gateway.add_agent("ewa", ["pl", "en"])
    gateway.add_agent("tom", ["en"])
    chat, socket_context = _ticket_from_web_chat(gateway, "Mój zwrot nie dotarł, pomocy")
    try:
        ola_client, ewa_client, tom_client = (_log_in(gateway, name) for name in ("ola", "ewa", "tom"))
        [ticket] = ola_client.get("/console/api/queue").json()["tickets"]
        assert ticket["language"] == "pl" and ticket["summary"] == "Mój zwrot nie dotarł, pomocy"
        assert tom_client.get("/console/api/queue").json()["tickets"] == []  # routed by language

        assert ola_client.post(f"/console/api/tickets/{ticket['id']}/claim").status_code == 200
        taken = ewa_client.post(f"/console/api/tickets/{ticket['id']}/claim")
        assert taken.status_code == 409 and "Ola" in taken.json()["detail"]
        assert "Ola" in chat.next_message("system")["text"]  # "Ola joined the chat"

        details = ola_client.get(f"/console/api/tickets/{ticket['id']}").json()
        assert [m["author"] for m in details["messages"]][:2] == ["customer", "system"]

        reply = ola_client.post(f"/console/api/tickets/{ticket['id']}/reply", json={"text": "Już sprawdzam."})
        assert reply.status_code == 200
        assert chat.next_message("agent")["text"] == "Już sprawdzam."
        not_hers = ewa_client.post(f"/console/api/tickets/{ticket['id']}/reply", json={"text": "Hej"})
        assert not_hers.status_code == 409

        note = ola_client.post(f"/console/api/tickets/{ticket['id']}/notes", json={"text": "Zwrot 44096?"})
        assert note.json()["note"]["agent_name"] == "Ola"
        assert ola_client.post(f"/console/api/tickets/{ticket['id']}/reply", json={"text": " "}).status_code == 422

        chat.say("Dziękuję!")  # while the agent has it, the customer's words reach only the agent
        handed = ola_client.post(f"/console/api/tickets/{ticket['id']}/hand-back").json()["ticket"]
        assert handed["status"] == "returned"
        assert "asystentem" in chat.next_message("system")["text"]
        transcript = ola_client.get(f"/console/api/tickets/{ticket['id']}").json()
        texts = [m["text"] for m in transcript["messages"]]
        assert "Zwrot 44096?" not in texts and transcript["notes"][0]["text"] == "Zwrot 44096?"
        assert texts.index("Dziękuję!") == texts.index("Już sprawdzam.") + 1  # no bot answer in between
        assert gateway.agent(ola).status.value == "available"
    finally:
        socket_context.__exit__(None, None, None)


def test_an_agents_reply_to_an_sms_customer_goes_out_by_sms_and_resolve_closes(gateway):
    from tests.bot.channels.test_twilio_messaging import _sms

    phone = "+48600555444"
    gateway.add_agent("ola", ["pl"])
    gateway.twilio_webhook(_sms("SM" + "9" * 32, "Halo, czy ktoś tam jest? Potrzebuję pomocy", sender=phone))
    gateway.twilio.wait_for_messages(phone, 1)  # the apology: the engine is down here
    ola = _log_in(gateway, "ola")
    [ticket] = ola.get("/console/api/queue").json()["tickets"]
    assert ticket["channel"] == "sms" and ticket["contact"] == phone
    ola.post(f"/console/api/tickets/{ticket['id']}/claim")
    ola.post(f"/console/api/tickets/{ticket['id']}/reply", json={"text": "Dzień dobry, tu Ola. W czym pomóc?"})
    texts = gateway.twilio.wait_for_messages(phone, 3)
    assert "Ola" in texts[1] and texts[2] == "Dzień dobry, tu Ola. W czym pomóc?"
    resolved = ola.post(f"/console/api/tickets/{ticket['id']}/resolve").json()["ticket"]
    assert resolved["status"] == "resolved"
    assert ola.post(f"/console/api/tickets/{ticket['id']}/reply", json={"text": "x"}).status_code == 409
    assert ola.get("/console/api/queue").json()["mine"] == []
