"""Cross-site request forgery and WebSocket hijacking: the console takes changes, and opens its live
socket, only for its own pages (their Origin, failing that their Referer)."""

from sqlalchemy import func, select
from starlette.websockets import WebSocketDisconnect

from bot.console.auth import SESSION_COOKIE
from bot.models.handoff import LoginFailure, Ticket, TicketNote, TicketStatus
from bot.models.review import ReviewDecision
from tests.bot.console.console_client import ConsoleBrowser, log_in
from tests.bot.console.console_routes import RULES, ConsoleWorld, console_routes

CHANGES = ("POST", "PUT", "PATCH", "DELETE", "WEBSOCKET")
FROM_ELSEWHERE = {
    "nothing says where from": {},
    "another site": {"Origin": "https://evil.example"},
    "a look-alike host": {"Origin": "http://testserver.evil.example"},
    "another port": {"Origin": "http://testserver:8080"},
    "an opaque origin": {"Origin": "null"},
    "another site's page, no Origin": {"Referer": "https://evil.example/prize.html"},
}
PUBLIC = "https://console.shop.example"


def test_no_console_route_takes_a_change_or_opens_a_socket_for_another_site(console):
    world = ConsoleWorld(console)
    changing = sorted(route for route in console_routes(console.client.app) if route[0] in CHANGES)
    assert ("POST", "/console/login") in changing and ("WEBSOCKET", "/console/ws") in changing
    outcomes = {(source, method, path): world.visit(method, path, RULES[(method, path)], "admin", headers)
                for source, headers in FROM_ELSEWHERE.items() for method, path in changing}
    refused = {key: got for key, got in outcomes.items() if got == (4403 if key[1] == "WEBSOCKET" else 403)}
    assert outcomes == refused

    held = sum(RULES[route].held for route in changing) * len(FROM_ELSEWHERE)
    with console.sessions() as session:  # nothing happened: every ticket is as it was made, nobody logged in
        statuses = dict(session.execute(select(Ticket.status, func.count()).group_by(Ticket.status)).all())
        assert statuses == {TicketStatus.QUEUED: len(outcomes) - held, TicketStatus.CLAIMED: held}
        assert session.scalar(select(func.count()).select_from(TicketNote)) == 0
        assert session.scalar(select(func.count()).select_from(ReviewDecision)) == 0
        assert session.scalar(select(func.count()).select_from(LoginFailure)) == 0


def test_a_refused_change_says_why_and_a_same_origin_referer_is_enough(gateway):
    ola_id = gateway.add_agent("ola", ["pl"], available=False)
    refused = log_in(gateway.client, "ola", "agent-password", Origin="https://evil.example")
    assert refused.status_code == 403 and SESSION_COOKIE not in refused.cookies
    assert refused.json()["detail"].startswith("cross-site request refused")

    # Some browsers and proxies drop Origin; the console's own page as Referer then vouches.
    referer = {"Referer": "http://testserver/console/login"}
    response = gateway.client.post("/console/login", data={"username": "ola", "password": "agent-password"},
                                   headers=referer, follow_redirects=False)
    assert response.status_code == 303
    ola = ConsoleBrowser(gateway.client, response.cookies[SESSION_COOKIE], referer)
    gateway.client.cookies.clear()
    assert ola.post("/console/status", data={"status": "available"}).status_code == 303
    assert gateway.agent(ola_id).status.value == "available"


def test_behind_a_proxy_the_public_url_is_the_consoles_origin(make_gateway, database_url):
    gateway = make_gateway(database_url, KOLIBER_PUBLIC_URL=PUBLIC + "/")
    gateway.add_agent("ola", ["pl"])
    assert log_in(gateway.client, "ola", "agent-password").status_code == 403  # the gateway's own host is not it
    response = log_in(gateway.client, "ola", "agent-password", Origin=PUBLIC)
    assert response.status_code == 303
    token = response.cookies[SESSION_COOKIE]

    inside, outside = (ConsoleBrowser(gateway.client, token, {"Origin": origin})
                       for origin in (PUBLIC + ":443", "http://testserver"))  # the default port is the same origin
    assert outside.post("/console/status", data={"status": "available"}).status_code == 403
    try:
        with outside.socket():
            raise AssertionError("a socket opened for another origin")
    except WebSocketDisconnect as closed:
        assert closed.code == 4403
    with inside.socket() as socket:
        assert inside.post("/console/status", data={"status": "available"}).status_code == 303
        assert socket.receive_json() == {"type": "queue_changed"}
