"""rasa-sdk's plugin hook (it imports a package of this name): the action server refuses every
call without the secret the engine sends (`Authorization: Bearer <KOLIBER_ACTIONS_TOKEN>`).

rasa-sdk itself has no authentication, and anything that can reach `/webhook` could otherwise
run an action with a forged tracker. `/health` stays open for process supervisors.

It also serves the action server's Prometheus metrics at `/metrics` (actions/metrics.py; each
action is timed in turn_logs.py), behind the same token: Prometheus scrapes with it as a bearer token.
"""

import hmac
import os

import pluggy
from sanic import Sanic, response

from actions import metrics
from rasa_sdk_plugins.turn_logs import TurnLogs

hookimpl = pluggy.HookimplMarker("rasa_sdk")
OPEN_PATHS = ("/health",)


class RequireActionsToken:
    @hookimpl
    def attach_sanic_app_extensions(self, app: Sanic) -> None:
        token = os.environ.get("KOLIBER_ACTIONS_TOKEN", "")
        if not token:
            raise RuntimeError("KOLIBER_ACTIONS_TOKEN is not set: the action server does not run without a secret")
        expected = f"Bearer {token}".encode()

        @app.on_request
        async def require_token(request):
            if request.path in OPEN_PATHS:
                return None
            if not hmac.compare_digest(request.headers.get("Authorization", "").encode(), expected):
                return response.json({"error": "unauthorised"}, status=401)
            return None

        @app.get("/metrics")
        async def serve_metrics(_request):
            return response.raw(metrics.exposition(), content_type=metrics.CONTENT_TYPE_LATEST)


def init_hooks(manager: pluggy.PluginManager) -> None:
    # pluggy calls the last registered first: the token check's middleware comes before the turn's logs.
    manager.register(TurnLogs())
    manager.register(RequireActionsToken())
