"""A browser on the console for tests: the console's own Origin on every request (as browsers send it),
and one agent's session cookie."""

from bot.console.auth import SESSION_COOKIE

ORIGIN = "http://testserver"  # the TestClient's base URL
SAME_ORIGIN = {"Origin": ORIGIN}


def log_in(client, username: str, password: str, **headers: str):
    """POSTs the log-in form from the console's own page; the client keeps no cookie."""
    response = client.post("/console/login", data={"username": username, "password": password},
                           headers={**SAME_ORIGIN, **headers}, follow_redirects=False)
    client.cookies.clear()
    return response


ADMIN_PASSWORD = "admin-password"


def log_in_page(page, site: str, username: str, password: str) -> None:
    """Logs in through the console's log-in page in a real browser and waits for the queue."""
    page.goto(f"{site}/console/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login")
    page.wait_for_url(f"{site}/console")


class ConsoleBrowser:
    def __init__(self, client, token: str | None, origin_headers: dict[str, str] = SAME_ORIGIN) -> None:
        """`origin_headers`: what says where the requests come from (Origin, Referer, or nothing)."""
        self.client = client
        self.headers = {**origin_headers, **({"Cookie": f"{SESSION_COOKIE}={token}"} if token else {})}

    @classmethod
    def logged_in(cls, client, username: str, password: str) -> "ConsoleBrowser":
        response = log_in(client, username, password)
        assert response.status_code == 303, response.text
        return cls(client, response.cookies[SESSION_COOKIE])

    def request(self, method: str, url: str, **kwargs):
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.client.request(method, url, headers=headers, follow_redirects=False, **kwargs)

    def get(self, url: str, **kwargs):
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs):
        return self.request("POST", url, **kwargs)

    def socket(self, url: str = "/console/ws", **headers: str):
        return self.client.websocket_connect(url, headers={**self.headers, **headers})
