"""Every route into the console with what each role should get from it, and a world to visit them in:
an agent, a trainer and an admin, fresh tickets and review items for every visit."""

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi.routing import APIRoute, APIWebSocketRoute, iter_route_contexts
from starlette.routing import Mount
from starlette.websockets import WebSocketDisconnect

from bot.handoff.agents import create_agent, open_session
from bot.models.conversation import Attachment
from bot.models.handoff import Agent, AgentRole, TicketStatus
from db.base import utcnow
from db.sessions import unit_of_work
from tests.bot.console.console_client import SAME_ORIGIN, ConsoleBrowser
from tests.bot.trainer.inbox_data import REPHRASE_PL, Chat

PASSWORD = "console-password"
ROLES = ("anonymous", "agent", "trainer", "admin")
TO_LOGIN = (303, "/console/login")
TO_REVIEW = (303, "/console/review")
TO_QUEUE = (303, "/console")
OPEN = "open"  # a socket that stays open and delivers the queue's changes
LABEL = {"intent": "order_status", "example": "gdzie moja paka [10001](order_id) [customer1@example.com](email)"}


@dataclass(frozen=True)
class Rule:
    """What each role gets, in ROLES order: a status, (status, the path it redirects to), or a socket's close code."""

    expected: tuple[Any, Any, Any, Any]
    form: dict[str, str] | None = None
    json: dict[str, str] | None = None
    held: bool = False  # the visitor has already claimed the ticket
    message_ids: bool = False  # the form names a fresh message waiting in the review inbox


# Written out by hand (not derived from bot.console.permissions), so a wrong rule in the code fails here.
RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/console/login"): Rule((200, 200, 200, 200)),
    ("POST", "/console/login"): Rule((401, 401, 401, 401), form={"username": "nobody", "password": "wrong"}),
    ("POST", "/console/logout"): Rule((TO_LOGIN, TO_LOGIN, TO_LOGIN, TO_LOGIN)),
    ("POST", "/console/status"): Rule((401, TO_QUEUE, 403, TO_QUEUE), form={"status": "away"}),
    ("GET", "/console"): Rule((TO_LOGIN, 200, TO_REVIEW, 200)),
    ("GET", "/console/tickets/{ticket_id}"): Rule((TO_LOGIN, 200, 403, 200)),
    ("GET", "/console/api/queue"): Rule((401, 200, 403, 200)),
    ("GET", "/console/api/tickets/{ticket_id}"): Rule((401, 200, 403, 200)),
    ("POST", "/console/api/tickets/{ticket_id}/claim"): Rule((401, 200, 403, 200)),
    ("POST", "/console/api/tickets/{ticket_id}/reply"): Rule((401, 200, 403, 200), json={"text": "Sprawdzam."},
                                                              held=True),
    ("POST", "/console/api/tickets/{ticket_id}/notes"): Rule((401, 200, 403, 200), json={"text": "VIP"}),
    ("GET", "/console/api/tickets/{ticket_id}/attachments/{attachment_id}"): Rule((401, 200, 403, 200)),
    ("POST", "/console/api/tickets/{ticket_id}/email"): Rule((401, 200, 403, 200), json={"address": "jan@example.pl"},
                                                              held=True),
    ("POST", "/console/api/tickets/{ticket_id}/resolve"): Rule((401, 200, 403, 200), held=True),
    ("POST", "/console/api/tickets/{ticket_id}/hand-back"): Rule((401, 200, 403, 200), held=True),
    ("WEBSOCKET", "/console/ws"): Rule((4401, OPEN, 4403, OPEN)),
    # Confirming who a customer is: this ticket's conversation verified no order, so there is nothing to confirm.
    ("GET", "/console/api/tickets/{ticket_id}/identity"): Rule((401, 200, 403, 200)),
    ("POST", "/console/api/tickets/{ticket_id}/identity/confirm"): Rule((401, 409, 403, 409)),
    # Acting for the customer: the shop has no order 00000, so the holder is refused in words.
    ("GET", "/console/api/tickets/{ticket_id}/actions"): Rule((401, 200, 403, 200)),
    ("POST", "/console/api/tickets/{ticket_id}/actions"): Rule(
        (401, 409, 403, 409), held=True,
        json={"kind": "resend_invoice", "order_number": "00000", "reason": "Zgubiona", "key": "permissions-check"}),
    ("GET", "/console/nps"): Rule((TO_LOGIN, 200, 403, 200)),
    ("GET", "/console/nps.csv"): Rule((401, 200, 403, 200)),
    ("GET", "/console/review"): Rule((TO_LOGIN, 403, 200, 200)),
    ("POST", "/console/review/label"): Rule((401, 403, TO_REVIEW, TO_REVIEW), form=LABEL, message_ids=True),
    ("POST", "/console/review/dismiss"): Rule((401, 403, TO_REVIEW, TO_REVIEW), form={}, message_ids=True),
    ("POST", "/console/review/conversations/{conversation_id}/export"): Rule((401, 403, 200, 200)),
    ("GET", "/console/review/audit"): Rule((TO_LOGIN, 403, 200, 200)),
    # Customers' data requests: an admin who asks about something that is no e-mail or phone gets the form back.
    ("GET", "/console/privacy"): Rule((TO_LOGIN, 403, 403, 200)),
    ("POST", "/console/privacy/export"): Rule((401, 403, 403, 422), form={"address": "not-an-address"}),
    ("POST", "/console/privacy/erase"): Rule((401, 403, 403, 422), form={"address": "not-an-address"}),
    # The supervisor dashboard (supervisors: tests/bot/console/test_analytics_api.py).
    ("GET", "/console/analytics"): Rule((TO_LOGIN, 403, 403, 200)),
    ("GET", "/console/api/analytics"): Rule((401, 403, 403, 200)),
    ("GET", "/console/api/analytics.csv"): Rule((401, 403, 403, 200)),
    # The shop owner's settings and agent management: admins only. Bad hours and a bad username come back
    # as the form with its message; the other changes are made to an agent of their own each visit.
    ("GET", "/console/settings"): Rule((TO_LOGIN, 403, 403, 200)),
    ("POST", "/console/settings/hours"): Rule((401, 403, 403, 422), form={"mon_open": "1", "mon_opening": "9",
                                                                          "mon_closing": "17"}),
    # The shop's rules (shipping, returns, contact details): a bad value comes back as the form with its message.
    ("GET", "/console/settings/shop"): Rule((TO_LOGIN, 403, 403, 200)),
    ("POST", "/console/settings/shipping"): Rule((401, 403, 403, 422), form={"dispatch_cutoff": "25:00"}),
    ("POST", "/console/settings/returns"): Rule((401, 403, 403, 422), form={"window_days": "0"}),
    ("POST", "/console/settings/contact"): Rule((401, 403, 403, 422), form={"phone": "none", "email": "none"}),
    # The chat widget's texts and colours: a bad colour comes back as the form with its message.
    ("GET", "/console/settings/widget"): Rule((TO_LOGIN, 403, 403, 200)),
    ("POST", "/console/settings/widget"): Rule((401, 403, 403, 422), form={"pl_title": "Pomoc", "accent": "green"}),
    ("GET", "/console/agents"): Rule((TO_LOGIN, 403, 403, 200)),
    ("POST", "/console/agents/invite"): Rule((401, 403, 403, 422), form={"username": "Not Valid", "role": "agent",
                                                                         "display_name": "Nowy", "languages": "pl"}),
    ("POST", "/console/agents/{agent_id}/change"): Rule((401, 403, 403, 200), form={"role": "agent",
                                                                                    "languages": "en"}),
    ("POST", "/console/agents/{agent_id}/deactivate"): Rule((401, 403, 403, 200)),
    ("POST", "/console/agents/{agent_id}/activate"): Rule((401, 403, 403, 200)),
    ("POST", "/console/agents/{agent_id}/password-link"): Rule((401, 403, 403, 200)),
    # The one-time password link needs no log-in: an unknown token is no page.
    ("GET", "/console/password/{token}"): Rule((404, 404, 404, 404)),
    ("POST", "/console/password/{token}"): Rule((404, 404, 404, 404), form={"password": "new-password",
                                                                            "repeated": "new-password"}),
    ("GET", "/console/static"): Rule((200, 200, 200, 200)),  # the console's own CSS and JavaScript
}


def console_routes(app) -> set[tuple[str, str]]:
    """Every way into /console the app really has: HTTP methods, sockets and mounted files."""
    found = set()
    for context in iter_route_contexts(app.routes):  # included routers' routes with their prefixes
        route = context.original_route
        path = context.path or getattr(route, "path", "")  # a route added to the app itself has no context path
        if not path.startswith("/console"):
            continue
        if isinstance(route, APIRoute):
            found |= {(method, path) for method in context.methods}
        elif isinstance(route, APIWebSocketRoute):
            found.add(("WEBSOCKET", path))
        elif isinstance(route, Mount):
            found.add(("GET", path))
        else:
            raise AssertionError(f"a console route of an unknown kind: {route!r}")
    return found


class ConsoleWorld:
    """The gateway's world for one test: an agent, a trainer and an admin (all speak Polish), fresh
    tickets and inbox items, and a new session for every visit (a visit may log out)."""

    def __init__(self, gateway) -> None:
        self.gateway = gateway
        with unit_of_work(gateway.sessions) as session:
            self.ids = {role: create_agent(session, role, role.title(), PASSWORD, ["pl"], AgentRole(role)).id
                        for role in ("agent", "trainer", "admin")}

    def browser(self, role: str, origin_headers: dict[str, str] = SAME_ORIGIN) -> ConsoleBrowser:
        if role == "anonymous":
            return ConsoleBrowser(self.gateway.client, None, origin_headers)
        with unit_of_work(self.gateway.sessions) as session:
            token = open_session(session, session.get(Agent, self.ids[role]), utcnow(), timedelta(hours=1))
        return ConsoleBrowser(self.gateway.client, token, origin_headers)

    def ticket(self, language: str = "pl", held_by: int | None = None) -> int:
        with unit_of_work(self.gateway.sessions) as session:
            chat = Chat(session, language=language)
            asked = chat.customer("Gdzie jest moja paczka 48213?" if language == "pl" else "Where is my parcel 48213?")
            photo = Attachment(message=asked, filename="paczka.jpg", content_type="image/jpeg", size=3, content=b"jpg")
            session.add(photo)
            ticket = chat.ticket("order_problem")
            session.flush()
            self.attachment_id = photo.id
            if held_by is not None:
                ticket.status, ticket.agent_id, ticket.claimed_at = TicketStatus.CLAIMED, held_by, utcnow()
            return ticket.id

    def someone_to_manage(self) -> int:
        with unit_of_work(self.gateway.sessions) as session:
            return create_agent(session, f"managed-{uuid.uuid4().hex[:8]}", "Managed", PASSWORD, ["pl"]).id

    def missed_message(self) -> tuple[str, int]:
        with unit_of_work(self.gateway.sessions) as session:
            chat = Chat(session)
            message = chat.customer("gdzie moja paka 48213 anna.nowak@example.pl", "nlu_fallback", 0.2)
            chat.bot(REPHRASE_PL)
            return chat.id, message.id

    def announce_a_queue_change(self) -> None:
        assert self.browser("admin").post("/console/status", data={"status": "away"}).status_code == 303

    def visit(self, method: str, path: str, rule: Rule, role: str, origin_headers: dict[str, str] = SAME_ORIGIN) -> Any:
        browser = self.browser(role, origin_headers)
        visitor = self.ids.get(role)
        url = path.replace("{ticket_id}", str(self.ticket(held_by=visitor if rule.held else None)))
        url = url.replace("{attachment_id}", str(self.attachment_id))
        conversation_id, message_id = self.missed_message()
        url = url.replace("{conversation_id}", conversation_id)
        url = url.replace("{token}", "no-such-link-" + "x" * 20)
        if "{agent_id}" in url:
            url = url.replace("{agent_id}", str(self.someone_to_manage()))
        if method == "WEBSOCKET":
            return self.socket(browser, url)
        if url == "/console/static":
            url += "/console.js"
        form = None if rule.form is None else {**rule.form, **({"message_ids": str(message_id)}
                                                                if rule.message_ids else {})}
        response = browser.request(method, url, data=form, json=rule.json)
        if response.status_code in (302, 303, 307):  # where to, without the notice in the query
            return response.status_code, response.headers["location"].split("?")[0]
        return response.status_code

    def socket(self, browser: ConsoleBrowser, url: str) -> Any:
        try:
            with browser.socket(url) as socket:
                self.announce_a_queue_change()
                assert socket.receive_json() == {"type": "queue_changed"}
                return OPEN
        except WebSocketDisconnect as closed:
            return closed.code
