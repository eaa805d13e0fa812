"""The message the assistant sends when a human must take over, and how the gateway reads it.

Actions emit it as a custom JSON message; Koliber's engine channel returns it as
`{"recipient_id": ..., "custom": {"type": "handoff", ...}}`. Its fields: docs/handoff.md.
"""

from dataclasses import asdict, dataclass, field
from typing import Any

HANDOFF_TYPE = "handoff"

# Why a human is needed; the gateway orders its queue by `priority`.
REASONS = {
    "customer_request": "normal",
    "repeated_fallback": "normal",
    "verification_failed": "high",
    # The order or the customer's client was locked by the verification guard: someone may be guessing.
    "suspected_guessing": "high",
    "complaint": "high",
    "payment_problem": "high",
    "late_delivery": "normal",
    # The shop's platform did not answer: nothing about the order could be checked or changed.
    "shop_unavailable": "high",
    # The customer asked for something the shop's platform cannot do through its API (shop/platforms).
    "needs_person": "normal",
}
PRIORITIES = ("low", "normal", "high", "urgent")


@dataclass(frozen=True)
class HandoffSignal:
    reason: str
    language: str
    priority: str = ""
    order_number: str | None = None
    order_verified: bool = False
    customer_id: int | None = None
    customer_email: str | None = None
    summary: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.reason not in REASONS:
            raise ValueError(f"unknown handoff reason {self.reason!r}")
        if not self.priority:
            object.__setattr__(self, "priority", REASONS[self.reason])
        if self.priority not in PRIORITIES:
            raise ValueError(f"unknown priority {self.priority!r}")

    def to_message(self) -> dict[str, Any]:
        return {"type": HANDOFF_TYPE, **asdict(self)}

    @classmethod
    def from_message(cls, payload: dict[str, Any]) -> "HandoffSignal | None":
        """The signal in a bot message's `custom` payload, or None when it is another message."""
        if not isinstance(payload, dict) or payload.get("type") != HANDOFF_TYPE:
            return None
        fields = {name: payload[name] for name in cls.__dataclass_fields__ if name in payload}
        return cls(**fields)
