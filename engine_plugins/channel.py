"""Koliber's input channel: the only way into the engine's dialogue, and it requires the gateway's secret.

Rasa's stock REST channel takes messages from anyone who can reach the port and answers a failed
turn with an empty 200. This one (Rasa's documented `InputChannel` extension point, enabled in
credentials.yml) checks `Authorization: Bearer <KOLIBER_ENGINE_TOKEN>`, answers one request with
the bot's messages **and** what the engine made of the turn (intent, confidence, slots, active
form), so the gateway needs no second request, and says 500 when the turn failed. A message sent
again (`resent`: the engine that took it died before answering) that the conversation already has
(the same `message_id`) gets the answer it got then, instead of a second turn.

    POST /webhooks/koliber/turn           {"sender", "message", "metadata", "message_id", "resent"} -> turn result
    DELETE /webhooks/koliber/conversations/<sender>   forget a conversation (erasure requests)

Every log line the engine writes while it works on a turn names the gateway's turn id from the
metadata (contracts/turn_context.py), so the turn can be followed from the gateway's log into this one.
"""

import hmac
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from contracts.turn_context import turn_id_in, working_on

logger = logging.getLogger(__name__)
MAX_MESSAGE_CHARS = 10_000


class KoliberChannel(InputChannel):
    def __init__(self, token: Text) -> None:
        if not token:
            raise ValueError("the koliber channel needs a token (KOLIBER_ENGINE_TOKEN)")
        self._expected = f"Bearer {token}".encode()

    @classmethod
    def name(cls) -> Text:
        return "koliber"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "KoliberChannel":
        return cls((credentials or {}).get("token") or "")

    def _authorised(self, request: Request) -> bool:
        return hmac.compare_digest(request.headers.get("Authorization", "").encode(), self._expected)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint("koliber_channel", __name__)

        @hook.on_request
        async def require_token(request: Request) -> Optional[HTTPResponse]:
            if not self._authorised(request):
                return response.json({"error": "unauthorised"}, status=401)
            return None

        @hook.route("/turn", methods=["POST"])
        async def turn(request: Request) -> HTTPResponse:
            body = request.json if isinstance(request.json, dict) else {}
            sender, text = body.get("sender"), body.get("message")
            metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
            if not isinstance(sender, str) or not sender or not isinstance(text, str) \
                    or len(text) > MAX_MESSAGE_CHARS:
                return response.json({"error": "send 'sender' and 'message' strings"}, status=400)
            message_id = body.get("message_id") if isinstance(body.get("message_id"), str) else None
            message = UserMessage(text, CollectingOutputChannel(), sender, input_channel=self.name(),
                                  metadata=metadata, message_id=message_id)
            with working_on(sender, turn_id_in(metadata)):
                return await _answer(request.app.ctx.agent.tracker_store, on_new_message, message,
                                     resent=message_id is not None and body.get("resent") is True)

        @hook.route("/conversations/<sender>", methods=["DELETE"])
        async def forget(request: Request, sender: Text) -> HTTPResponse:
            store = _innermost(request.app.ctx.agent.tracker_store)
            if not hasattr(store, "delete"):
                return response.json({"error": f"{type(store).__name__} cannot delete"}, status=501)
            await store.delete(sender)
            return response.json({"deleted": sender})

        return hook


async def _answer(store: Any, on_new_message: Callable[[UserMessage], Awaitable[Any]], message: UserMessage,
                  resent: bool) -> HTTPResponse:
    """Runs the turn (or finds the answer a resent message already got) and says what came of it."""
    logger.info("turn received (message %s)", message.message_id)
    try:
        if resent:
            earlier = await store.retrieve(message.sender_id)
            answered = answer_given(earlier, message.message_id)
            if answered is not None:
                logger.info("turn answered as before: the conversation already has message %s", message.message_id)
                return response.json(turn_result(answered, earlier))
        await on_new_message(message)
        tracker = await store.retrieve(message.sender_id)
    except Exception:  # noqa: BLE001 - the gateway must learn that the turn failed
        logger.exception("turn of %s failed", message.sender_id)
        return response.json({"error": "the turn failed"}, status=500)
    result = turn_result(message.output_channel.messages, tracker)
    logger.info("turn answered: intent %s, %d messages", result["intent"], len(result["messages"]))
    return response.json(result)


def answer_given(tracker: Any, message_id: Text) -> Optional[List[Dict[Text, Any]]]:
    """The bot's messages that answered the customer message `message_id`, as the output channel
    collected them; None when the conversation does not have that message."""
    events = list(tracker.events) if tracker else []
    for index, event in enumerate(events):
        if isinstance(event, UserUttered) and event.message_id == message_id:
            answer = []
            for later in events[index + 1:]:
                if isinstance(later, UserUttered):
                    break
                if isinstance(later, BotUttered):
                    answer.append({"recipient_id": tracker.sender_id, **({"text": later.text} if later.text else {}),
                                   **{key: value for key, value in (later.data or {}).items() if value}})
            return answer
    return None


def turn_result(messages: list, tracker: Any) -> Dict[Text, Any]:
    latest = tracker.latest_message.parse_data if tracker and tracker.latest_message else {}
    intent = latest.get("intent") or {}
    return {
        "messages": messages,
        "intent": intent.get("name"),
        "confidence": intent.get("confidence"),
        "slots": tracker.current_slot_values() if tracker else {},
        "active_loop": tracker.active_loop.name if tracker and tracker.active_loop else None,
    }


def _innermost(store: Any) -> Any:
    """Rasa wraps the configured store (fail-safe, awaitable wrappers); erasure needs the real one."""
    while hasattr(store, "_tracker_store"):
        store = store._tracker_store
    return store
