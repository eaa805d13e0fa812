"""What every fake shop platform (WooCommerce, Shopify, BaseLinker) shares: the faults a test can
cause and the ASGI middleware that causes them, so each fake only speaks its platform's API.

The platforms' clouds are unreachable from tests; each fake speaks its platform's documented wire
format and keeps its orders in that format. Tests load them from Koliber's own order model
(testing/shop_scenario.py) through the fake's `load`.
"""

import importlib
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from decimal import Decimal

from starlette.types import ASGIApp, Receive, Scope, Send

from shop.order_views import OrderView
from shop.platforms.service import Platform
from testing.served import ServedApp


@dataclass
class Faults:
    """Faults the next requests meet; the fake's lock guards them (the served app runs in a thread)."""

    down: bool = False  # every request: 503, as a platform behind a load balancer answers when it is down
    rate_limited: int = 0  # the next N requests get the platform's own "slow down" answer
    lose_next_write_answer: bool = False  # the next write is applied, then answered with a 502
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path) of every request seen
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            self.down, self.rate_limited, self.lose_next_write_answer = False, 0, False
            self.requests.clear()

    def take_rate_limit(self) -> bool:
        with self.lock:
            if self.rate_limited > 0:
                self.rate_limited -= 1
                return True
            return False

    def take_lost_write(self) -> bool:
        with self.lock:
            lost, self.lose_next_write_answer = self.lose_next_write_answer, False
            return lost


class FaultInjection:
    """ASGI middleware: answers 503 while the platform is down, records every request."""

    def __init__(self, app: ASGIApp, faults: Faults) -> None:
        self.app, self.faults = app, faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.faults.requests.append((scope["method"], scope["path"]))
            if self.faults.down:
                await send({"type": "http.response.start", "status": 503,
                            "headers": [(b"content-type", b"text/html")]})
                await send({"type": "http.response.body", "body": b"<h1>503 Service Unavailable</h1>"})
                return
        await self.app(scope, receive, send)


class ServedPlatform(ServedApp):
    """A fake platform served on a free local port, its faults reachable by the test."""

    def __init__(self, app: ASGIApp, faults: Faults) -> None:
        super().__init__(FaultInjection(app, faults))
        self.faults = faults


@dataclass(frozen=True)
class Webhook:
    """A webhook as the platform would send it to the gateway."""

    platform: str
    body: bytes
    headers: dict[str, str]


class FakeShopPlatform(ABC):
    """One fake platform, as the shared adapter tests (tests/shop/platforms) use it: started with
    `serve()`, loaded with Koliber orders, read back in the platform's own terms."""

    name: str
    faults: Faults
    base_url: str

    @abstractmethod
    def load(self, orders: Iterable[OrderView]) -> None:
        """Stores the orders in the platform's own format, as the shop's platform would hold them."""

    @abstractmethod
    def serve(self) -> ServedPlatform:
        """The fake on a free local port (a context manager); sets `base_url`."""

    @abstractmethod
    def adapter(self) -> Platform:
        """Koliber's real adapter, configured for this fake (credentials, URL, no client-side pacing)."""

    @abstractmethod
    def environment(self) -> dict[str, str]:
        """The settings (KOLIBER_SHOP and the platform's URL and credentials) that point Koliber here."""

    @abstractmethod
    def refunds_of(self, number: str) -> list[Decimal]:
        """The amounts of every refund (and store credit) the platform holds for the order."""

    @abstractmethod
    def change_postcode(self, number: str, postcode: str) -> None:
        """The shop's staff changes the delivery postcode in the platform's panel, not through Koliber."""

    @abstractmethod
    def order_changed_notice(self, number: str, *, signed: bool = True) -> Webhook | None:
        """The webhook the platform sends when the order changes (signed with the shop's secret, or forged);
        None for a platform that keeps a journal to poll instead (and records the event there)."""


class ServedPlatforms(dict[str, FakeShopPlatform]):
    """Each platform's fake (testing/fakes/<name>.py, its class in FAKE), started the first time it is
    asked for and stopped with the ExitStack."""

    def __init__(self, stack: ExitStack) -> None:
        super().__init__()
        self._stack = stack

    def __missing__(self, name: str) -> FakeShopPlatform:
        fake = importlib.import_module(f"testing.fakes.{name}").FAKE()
        self._stack.enter_context(fake.serve())
        self[name] = fake
        return fake
