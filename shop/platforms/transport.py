"""HTTP to a shop platform, the same way for every adapter: a timeout on every call, the platform's
rate limit kept on our side and obeyed when it answers "slow down", reads retried after a network or
server error, and every failure that remains turned into ShopUnavailable.

Writes are never retried here: a write that failed may still have happened, so the shop service
looks at the order before trying again (PlatformShopService._write).
"""

import threading
import time
from collections import deque
from collections.abc import Callable

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, stop_after_delay

# Statuses after which a read is tried again: the server or a proxy in front of it had a moment.
RETRIED_STATUSES = frozenset({500, 502, 503, 504})


class ShopUnavailable(RuntimeError):
    """The platform did not answer, answered with an error, or kept saying "slow down": nothing is
    known about the order. The customer hears that orders cannot be checked now, and a person follows up."""


class ShopRefusedCredentials(ShopUnavailable):
    """The platform refused Koliber's key or token (401/403): a setting to fix, not a moment to wait."""


class RateLimited(Exception):
    """The platform asked us to wait `seconds` before the next request (the request was not processed)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"rate limited for {seconds:.1f} s")
        self.seconds = seconds


class _ServerTrouble(Exception):
    """A network error or a 5xx on a read: worth another try."""


def require_https(url: str) -> str:
    """The platform's address, refused unless it is HTTPS (keys travel in headers) or this machine
    (a platform's local fake in tests, a tunnel in development)."""
    parsed = httpx.URL(url)
    if parsed.scheme != "https" and parsed.host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(f"the shop platform's address must be https:// ({url})")
    return url.rstrip("/")


def pairs(setting: str) -> dict[str, str]:
    """`a=b, c=d` settings (KOLIBER_SHOP_STATUSES, KOLIBER_SHOP_CATEGORIES) as a dict."""
    found = {}
    for pair in setting.split(","):
        if pair.strip():
            name, _, value = pair.partition("=")
            found[name.strip()] = value.strip()
    return found


def retry_after(response: httpx.Response, default: float = 1.0) -> float:
    """The wait a 429 or 503 asks for in its Retry-After header (seconds; dates are not used by the platforms)."""
    try:
        return max(0.0, float(response.headers.get("Retry-After", default)))
    except ValueError:
        return default


class RequestBudget:
    """At most `per_minute` requests in any 60 s from this process (BaseLinker allows 100 per token).
    Per process: several processes on one token share the platform's limit, and its "slow down"
    answer is obeyed as well."""

    def __init__(self, per_minute: int | None, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._per_minute = per_minute
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()
        self._clock, self._sleep = clock, sleep

    def take(self) -> None:
        if not self._per_minute:
            return
        with self._lock:
            while True:
                now = self._clock()
                while self._sent and now - self._sent[0] >= 60:
                    self._sent.popleft()
                if len(self._sent) < self._per_minute:
                    self._sent.append(now)
                    return
                self._sleep(60 - (now - self._sent[0]))


class PlatformHttp:
    """One platform's HTTP client. `throttled` reads a platform's own "slow down" answer (Shopify and
    BaseLinker say it in a 200 body) and returns the seconds to wait, or None; 429 is understood always."""

    def __init__(self, base_url: str, *, platform: str, headers: dict[str, str] | None = None,
                 auth: httpx.Auth | tuple[str, str] | None = None, timeout: float = 10.0,
                 max_wait: float = 20.0, per_minute: int | None = None,
                 throttled: Callable[[httpx.Response], float | None] | None = None,
                 verify: bool | str = True, transport: httpx.BaseTransport | None = None) -> None:
        self.platform = platform
        self._client = httpx.Client(base_url=base_url, headers=headers, auth=auth, timeout=timeout,
                                    verify=verify, transport=transport)
        self._max_wait = max_wait
        self._budget = RequestBudget(per_minute)
        self._throttled = throttled or (lambda response: None)

    def close(self) -> None:
        self._client.close()

    def request(self, method: str, url: str, *, write: bool = False, **kwargs) -> httpx.Response:
        """The platform's answer to a request (any status below 500 but 429 is returned as it is);
        ShopUnavailable when none could be had within the wait allowed."""
        retryable = (RateLimited,) if write else (RateLimited, _ServerTrouble)
        retrying = Retrying(
            retry=retry_if_exception(lambda error: isinstance(error, retryable)),
            stop=stop_after_delay(self._max_wait) | stop_after_attempt(6),
            wait=self._wait,
            reraise=True,
        )
        try:
            return retrying(self._send, method, url, kwargs)
        except RateLimited as error:
            raise ShopUnavailable(f"{self.platform} kept rate-limiting us ({error})") from error
        except _ServerTrouble as error:
            raise ShopUnavailable(f"{self.platform} did not answer: {error}") from error

    def _send(self, method: str, url: str, kwargs: dict) -> httpx.Response:
        self._budget.take()
        try:
            response = self._client.request(method, url, **kwargs)
        except httpx.TransportError as error:  # refused, reset, timed out
            raise _ServerTrouble(f"{type(error).__name__}: {error}") from error
        if response.status_code in (401, 403):
            raise ShopRefusedCredentials(f"{self.platform} refused the credentials (HTTP {response.status_code})")
        if response.status_code == 429:
            raise RateLimited(retry_after(response))
        if (seconds := self._throttled(response)) is not None:
            raise RateLimited(seconds)
        if response.status_code in RETRIED_STATUSES:
            raise _ServerTrouble(f"HTTP {response.status_code}")
        if response.status_code >= 500:
            raise ShopUnavailable(f"{self.platform} answered HTTP {response.status_code}")
        return response

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, RateLimited):
            return min(error.seconds, self._max_wait)
        return min(0.2 * 2 ** (state.attempt_number - 1), 2.0)
