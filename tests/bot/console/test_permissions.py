"""Who may use which console route: every real route under /console, visited as a stranger, an agent,
a trainer and an admin; and an agent's languages, which hide other languages' tickets everywhere."""

from bot.handoff.agents import create_agent
from bot.models.handoff import Ticket, TicketStatus
from db.sessions import unit_of_work
from tests.bot.console.console_client import ConsoleBrowser
from tests.bot.console.console_routes import OPEN, PASSWORD, ROLES, RULES, ConsoleWorld, console_routes


def test_every_console_route_has_a_rule(gateway):
    routes = console_routes(gateway.client.app)
    assert routes - set(RULES) == set(), "a console route nobody decided the roles of: add it to RULES"
    assert set(RULES) - routes == set(), "RULES names a route the console no longer has"


def test_every_console_route_lets_in_exactly_the_roles_it_is_for(console):
    world = ConsoleWorld(console)
    outcomes = {(method, path): tuple(world.visit(method, path, rule, role) for role in ROLES)
                for (method, path), rule in RULES.items()}
    wrong = {route: (got, RULES[route].expected) for route, got in outcomes.items() if got != RULES[route].expected}
    assert wrong == {}, "route: (got, expected) as " + "/".join(ROLES)


def test_an_agent_sees_and_works_only_tickets_in_their_languages(console):
    world = ConsoleWorld(console)
    with unit_of_work(console.sessions) as session:
        create_agent(session, "tom", "Tom", PASSWORD, ["en"])  # speaks English only: Polish tickets are not his
    ola = world.ids["agent"]
    polish, polish_of_ola, english = world.ticket("pl"), world.ticket("pl", held_by=ola), world.ticket("en")
    browser = ConsoleBrowser.logged_in(console.client, "tom", PASSWORD)

    queue = browser.get("/console/api/queue").json()
    assert [ticket["id"] for ticket in queue["tickets"]] == [english]
    for method, url, body in (("GET", f"/console/tickets/{polish}", None),
                              ("GET", f"/console/api/tickets/{polish}", None),
                              ("POST", f"/console/api/tickets/{polish}/claim", None),
                              ("POST", f"/console/api/tickets/{polish}/notes", {"text": "I'll look"}),
                              ("POST", f"/console/api/tickets/{polish_of_ola}/reply", {"text": "Hello"}),
                              ("POST", f"/console/api/tickets/{polish_of_ola}/resolve", None),
                              ("POST", f"/console/api/tickets/{polish_of_ola}/hand-back", None)):
        response = browser.request(method, url, json=body)
        assert response.status_code == 403, (method, url, response.status_code)
        assert "48213" not in response.text and "language" in response.json()["detail"]
    assert world.socket(browser, f"/console/ws?ticket={polish_of_ola}") == 4403

    with console.sessions() as session:
        untouched = {ticket.id: (ticket.status, ticket.agent_id, len(ticket.notes))
                     for ticket in session.query(Ticket).filter(Ticket.id.in_([polish, polish_of_ola]))}
    assert untouched == {polish: (TicketStatus.QUEUED, None, 0), polish_of_ola: (TicketStatus.CLAIMED, ola, 0)}

    # The English ticket is his to work; the admin (who speaks only Polish) oversees every language.
    assert browser.get(f"/console/api/tickets/{english}").json()["messages"][0]["text"] == "Where is my parcel 48213?"
    assert browser.post(f"/console/api/tickets/{english}/claim").status_code == 200
    assert world.socket(browser, f"/console/ws?ticket={english}") == OPEN
    assert world.browser("admin").get(f"/console/api/tickets/{english}").status_code == 200
