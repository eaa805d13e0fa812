"""`koliber shop check`: reads the configured shop the way the assistant will, and says what it
found, so a shop owner knows the connection works before turning the bot on."""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from shop.service import ShopService


@dataclass(frozen=True)
class ShopReport:
    orders: int
    statuses: Counter[str]  # Koliber's statuses the platform's were mapped onto
    carriers: Counter[str]
    currencies: Counter[str]
    newest: str | None  # the number of the newest order, to look up in the platform's panel

    def lines(self, days: int) -> list[str]:
        def counted(counter: Counter[str]) -> str:
            return ", ".join(f"{name} {count}" for name, count in counter.most_common()) or "none"
        return [f"orders in the last {days} days: {self.orders}" + (f" (newest: {self.newest})" if self.newest else ""),
                f"statuses: {counted(self.statuses)}",
                f"carriers: {counted(self.carriers)}",
                f"currencies: {counted(self.currencies)}"]


def check_shop(shop: ShopService, now: datetime, days: int = 30) -> ShopReport:
    """Raises ShopUnavailable (ShopRefusedCredentials for a wrong key) when the shop cannot be read."""
    orders = shop.orders_placed_since(now - timedelta(days=days))
    newest = max(orders, key=lambda order: order.placed_at, default=None)
    return ShopReport(len(orders), Counter(order.status for order in orders),
                      Counter(order.shipment.carrier for order in orders if order.shipment),
                      Counter(order.currency for order in orders), newest.number if newest else None)
