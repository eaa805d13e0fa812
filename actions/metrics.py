"""The action server's Prometheus metrics (prometheus-client's default registry, this process's own):
how long each action takes, the shop service's failures, verification lockouts. rasa_sdk_plugins
serves them at `/metrics`, behind the actions token like every other path but `/health`."""

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Histogram, generate_latest

__all__ = ["CONTENT_TYPE_LATEST", "exposition"]

ACTION_SECONDS = Histogram("koliber_action_seconds", "Seconds the action server took to run an action (the actions' "
                           "share of a turn), by action.", ["action"],
                           buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0))
SHOP_ERRORS = Counter("koliber_shop_errors", "Calls to the shop service that failed (its platform unreachable or "
                      "refusing the credentials), by error.", ["error"])
VERIFICATION_LOCKOUTS = Counter("koliber_verification_lockouts", "Order verifications closed by a wrong guess, by "
                                "reason: the order or the client locked after too many misses (order_locked, "
                                "client_locked), or the conversation out of attempts.", ["reason"])


def shop_failed(error: Exception) -> None:
    SHOP_ERRORS.labels(error=type(error).__name__).inc()


def exposition() -> bytes:
    return generate_latest(REGISTRY)
