"""Handing the conversation to a human: the signal the gateway acts on, and the actions that send it."""

import functools
import inspect
import logging
from collections.abc import Callable
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import metrics
from actions.shop_access import conversation_metadata, language, shop
from actions.verification import verified_order
from contracts.handoff import HandoffSignal
from shop.platforms.transport import ShopUnavailable

logger = logging.getLogger(__name__)


def hand_off(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str,
             summary: str | None = None, response: str = "utter_handoff", **details: Any) -> None:
    """Tells the customer a person is coming and emits the handoff signal with what we know.

    The summary defaults to the customer's last message: the agent reads it in their words.
    The gateway says in the metadata when no person can answer live (outside working hours, or
    nobody available): then the customer is not promised a person now.
    """
    if summary is None:
        summary = tracker.latest_message.get("text") or ""
    order_number = verified_order(tracker)
    try:
        order = shop().get_order(order_number) if order_number else None
    except ShopUnavailable as error:
        metrics.shop_failed(error)
        order = None  # the agent still gets the order number; the customer's details when the shop answers
    signal = HandoffSignal(
        reason=reason,
        language=language(tracker),
        order_number=order_number or tracker.get_slot("order_id"),
        order_verified=order_number is not None,
        customer_id=order.customer_id if order else None,
        customer_email=order.customer_email if order else None,
        summary=summary,
        details={key: str(value) for key, value in details.items()},
    )
    if response == "utter_handoff" and conversation_metadata(tracker).get("handoff") == "offline":
        response = "utter_handoff_offline"
    dispatcher.utter_message(response=response)
    dispatcher.utter_message(json_message=signal.to_message())


def shop_is_down(dispatcher: CollectingDispatcher, tracker: Tracker, error: ShopUnavailable) -> list[dict[str, Any]]:
    """The shop's platform cannot be reached: the customer hears that orders cannot be checked now
    (never a guess), and a person gets the conversation to follow up when it answers again."""
    logger.warning("the shop is unavailable: %s", error)
    metrics.shop_failed(error)
    hand_off(dispatcher, tracker, "shop_unavailable", response="utter_shop_unavailable")
    return [SlotSet("pending_confirmation", None), SlotSet("handoff_reason", None)]


def platform_cannot(dispatcher: CollectingDispatcher, tracker: Tracker, order_number: str, request: str) -> None:
    """The shop's platform has no way to do what the customer asked: a person does it in the shop's panel."""
    dispatcher.utter_message(response="utter_shop_needs_person", order_id=order_number)
    hand_off(dispatcher, tracker, "needs_person", request=request)


def answers_when_shop_is_down(run: Callable) -> Callable:
    """An action's `run` that hands the customer to a person when the shop is unavailable."""
    if inspect.iscoroutinefunction(run):
        @functools.wraps(run)
        async def guarded_async(self, dispatcher, tracker, domain):
            try:
                return await run(self, dispatcher, tracker, domain)
            except ShopUnavailable as error:
                return shop_is_down(dispatcher, tracker, error)
        return guarded_async

    @functools.wraps(run)
    def guarded(self, dispatcher, tracker, domain):
        try:
            return run(self, dispatcher, tracker, domain)
        except ShopUnavailable as error:
            return shop_is_down(dispatcher, tracker, error)
    return guarded


class ActionHandoff(Action):
    """The customer asked for a person (or said yes when one was offered)."""

    def name(self) -> str:
        return "action_handoff"

    def run(self, dispatcher, tracker, domain) -> list[dict[str, Any]]:
        offered = tracker.get_slot("pending_confirmation") == "handoff"
        reason = tracker.get_slot("handoff_reason") if offered else None
        hand_off(dispatcher, tracker, reason or "customer_request")
        return [SlotSet("pending_confirmation", None), SlotSet("handoff_reason", None)]


class ActionDeclineOffer(Action):
    """The customer said no to a yes/no question: nothing changes."""

    def name(self) -> str:
        return "action_decline_offer"

    def run(self, dispatcher, tracker, domain) -> list[dict[str, Any]]:
        if tracker.get_slot("pending_confirmation") == "cancel_order":
            dispatcher.utter_message(response="utter_cancel_kept", order_id=verified_order(tracker) or "")
        else:
            dispatcher.utter_message(response="utter_anything_else")
        return [SlotSet("pending_confirmation", None), SlotSet("handoff_reason", None)]


class ActionFallback(Action):
    """A message the assistant did not understand (NLU's nlu_fallback), or understood but has no
    rule for at this point (Rasa's core fallback: "yes" while an order number is asked). Asks to
    rephrase, or repeats the question a form is waiting on; offers a person on the second miss."""

    def name(self) -> str:
        return "action_fallback"

    def run(self, dispatcher, tracker, domain) -> list[dict[str, Any]]:
        if misses_in_a_row(tracker) >= 2:
            dispatcher.utter_message(response="utter_offer_human")
            return [SlotSet("pending_confirmation", "handoff"), SlotSet("handoff_reason", "repeated_fallback")]
        question = f"utter_ask_{tracker.get_slot('requested_slot')}"
        in_form = tracker.active_loop_name is not None and question in domain.get("responses", {})
        dispatcher.utter_message(response="utter_not_an_answer" if in_form else "utter_ask_rephrase")
        if (tracker.latest_message.get("intent") or {}).get("name") == "nlu_fallback":
            return []  # a rule's fallback: the form, if one is active, asks its question again
        # The core fallback changes nothing the policies see, so they would predict it again and
        # again (Rasa stops at ten): the question is asked here, and the turn ends.
        if in_form:
            dispatcher.utter_message(response=question)
        return [FollowupAction("action_listen")]


def misses_in_a_row(tracker: Tracker) -> int:
    """How many of the customer's latest messages in a row the assistant did not understand."""
    misses = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        if (event.get("parse_data") or {}).get("intent", {}).get("name") != "nlu_fallback":
            break
        misses += 1
    return misses
