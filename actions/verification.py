"""Proves an order belongs to the customer (order number plus its e-mail or delivery postcode)
before any of its details are shown. A wrong pair is re-asked in full, so the customer never
learns which half was wrong. The verification guard, in the database every process shares, stops
guessing: a conversation gets its few tries once and for all, and an order or a client with too
many recent misses is locked for everyone; then a human takes over."""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions import metrics
from actions.shop_access import client, conversation_metadata, language, order_numbers, shop, verification_guard
from shop.platforms.transport import ShopUnavailable
from shop.settings import shop_settings
from shop.verification_guard import Refusal
from text.identifiers import (
    find_order_number,
    find_verification_contact,
    normalize_email,
    normalize_order_number,
    normalize_phone,
    normalize_postcode,
)

# The second factor of an order the conversation is already entitled to (vouched_order).
VOUCHED = "vouched"

# What the agent's ticket says when verification is closed.
HANDOFF_REASONS = {
    Refusal.CONVERSATION_EXHAUSTED: "verification_failed",
    Refusal.ORDER_LOCKED: "suspected_guessing",
    Refusal.CLIENT_LOCKED: "suspected_guessing",
}


def verification_failures(tracker: Tracker) -> int:
    return int(tracker.get_slot("verification_failures") or 0)


def verified_order(tracker: Tracker) -> str | None:
    """The order number the customer has proven, if it is the one being talked about."""
    verified = tracker.get_slot("verified_order")
    return verified if verified and verified == tracker.get_slot("order_id") else None


def verification_refusal(tracker: Tracker, order_number: str | None, failures: int) -> Refusal | None:
    """Why this conversation may not have a pair for `order_number` checked, or None when it may.

    The guard counts this conversation's misses in the database; `failures` (the conversation's
    own count) still ends it should the database have forgotten them.
    """
    with verification_guard() as guard:
        refusal = guard.refusal(tracker.sender_id, client(tracker), order_number)
    if refusal is None and failures >= shop_settings().max_verification_attempts:
        return Refusal.CONVERSATION_EXHAUSTED
    return refusal


def current_refusal(tracker: Tracker) -> Refusal | None:
    """Why verification is closed for the order this conversation is about, or None."""
    if verified_order(tracker):
        return None
    return verification_refusal(tracker, normalize_order_number(tracker.get_slot("order_id"), order_numbers()),
                                verification_failures(tracker))


def normalize_contact(value: Any) -> str | None:
    return normalize_email(value) or normalize_postcode(value)


def proven_contact(tracker: Tracker) -> str | None:
    """Who the channel proved is writing or calling: an address the shop's mail server checked
    (DMARC), or a number the phone network vouched for (STIR/SHAKEN attestation A). Either is the
    customer's second factor, unasked."""
    metadata = conversation_metadata(tracker)
    return normalize_email(metadata.get("proven_email")) or normalize_phone(metadata.get("proven_phone"))


def known_order(tracker: Tracker) -> str | None:
    """The order a proven customer verified last time, on any channel (the gateway says)."""
    return normalize_order_number(conversation_metadata(tracker).get("known_order"), order_numbers())


def vouched_order(tracker: Tracker) -> str | None:
    """The order this conversation is entitled to without asking (the gateway says): one verified in
    it before, or the order a delivery notice was sent about to the order's own phone or e-mail."""
    return normalize_order_number(conversation_metadata(tracker).get("vouched_order"), order_numbers())


def on_the_phone(tracker: Tracker) -> bool:
    return conversation_metadata(tracker).get("channel") == "voice"


def _bot_asked(tracker: Tracker, response: str, last_only: bool = False) -> bool:
    said = [event for event in tracker.events if event.get("event") == "bot"]
    if last_only:
        said = said[-1:]
    return any((event.get("metadata") or {}).get("utter_action") == response for event in said)


class ActionAskOrderId(Action):
    """Asks for the order number. A caller the phone network vouched for is first asked, once,
    whether they are calling about the order they verified last time."""

    def name(self) -> str:
        return "action_ask_order_id"

    async def run(self, dispatcher, tracker, domain) -> list[dict[str, Any]]:
        order = known_order(tracker)
        if order and on_the_phone(tracker) and not _bot_asked(tracker, "utter_ask_known_order"):
            dispatcher.utter_message(response="utter_ask_known_order", order=order)
        else:
            dispatcher.utter_message(response="utter_ask_order_id")
        return []


class ValidateVerifyForm(FormValidationAction):
    def name(self) -> str:
        return "validate_verify_form"

    async def run(self, dispatcher, tracker, domain) -> list[dict[str, Any]]:
        try:
            return await super().run(dispatcher, tracker, domain)
        except ShopUnavailable as error:
            from actions.handoff import shop_is_down  # imported here: the handoff module imports this one
            # The form ends without a guess: nothing is counted against the customer.
            return [*shop_is_down(dispatcher, tracker, error), SlotSet("requested_slot", None)]

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> list[str]:
        # Nothing more to ask: the form ends and the order request hands the customer to a person.
        return [] if current_refusal(tracker) else domain_slots

    def extract_order_id(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """Order numbers the entity extractor missed: keypad input, digit groups, number words; and,
        for a customer the channel proved, the order they verified last time when they name none."""
        if tracker.get_slot("order_id"):
            return {}
        text = tracker.latest_message.get("text") or ""
        vouched = vouched_order(tracker)
        if vouched and tracker.get_slot("requested_slot") in (None, "order_id") and not any(c.isdigit() for c in text):
            return {"order_id": vouched}  # "where is my parcel?" in reply to the shop's notice about it
        known = known_order(tracker)
        if known and on_the_phone(tracker):  # the caller said yes to "are you calling about order …?"
            intent = (tracker.latest_message.get("intent") or {}).get("name")
            if intent == "affirm" and _bot_asked(tracker, "utter_ask_known_order", last_only=True):
                return {"order_id": known}
        elif known and tracker.get_slot("requested_slot") in (None, "order_id") and not any(c.isdigit() for c in text):
            return {"order_id": known}  # by e-mail: answered at once, a question would cost a day
        if tracker.get_slot("requested_slot") != "order_id":
            return {}
        number = find_order_number(text, language(tracker), order_numbers())
        if number:
            return {"order_id": number}
        # Digits that are not an order number still answer the question: say what is wrong.
        return {"order_id": text.strip()} if any(ch.isdigit() for ch in text) else {}

    def extract_verification_code(self, dispatcher, tracker, domain) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "verification_code" or tracker.get_slot("verification_code"):
            return {}
        text = tracker.latest_message.get("text") or ""
        contact = find_verification_contact(text)
        if contact:
            return {"verification_code": contact}
        looks_like_answer = "@" in text or any(ch.isdigit() for ch in text)
        return {"verification_code": text.strip()} if looks_like_answer else {}

    async def get_validation_events(self, dispatcher, tracker, domain) -> list[dict[str, Any]]:
        candidates = tracker.slots_to_validate()
        updates: dict[str, Any] = {}
        if "order_id" in candidates:
            updates["order_id"] = normalize_order_number(candidates["order_id"], order_numbers())
            if updates["order_id"] is None:
                dispatcher.utter_message(response="utter_invalid_order_id")
        if "verification_code" in candidates:
            updates["verification_code"] = normalize_contact(candidates["verification_code"])
            if updates["verification_code"] is None:
                dispatcher.utter_message(response="utter_invalid_verification_code")

        order_number = updates.get("order_id", normalize_order_number(tracker.get_slot("order_id"), order_numbers()))
        contact = updates.get("verification_code", normalize_contact(tracker.get_slot("verification_code")))
        if order_number and tracker.get_slot("verified_order") != order_number:
            if order_number == vouched_order(tracker):
                updates.update({"order_id": order_number, "verification_code": VOUCHED, "verified_order": order_number})
            elif contact:
                updates.update(self._check_pair(dispatcher, tracker, order_number, contact))
            elif (sender := proven_contact(tracker)) and self._owns(tracker, order_number, sender):
                updates.update({"order_id": order_number, "verification_code": sender, "verified_order": order_number})
        return [SlotSet(name, value) for name, value in updates.items()]

    @staticmethod
    def _owns(tracker: Tracker, order_number: str, sender: str) -> bool:
        """Whether the proven sender (e-mail or phone) is the order's customer. Not a guess: another
        order of theirs (or a typo) counts against nobody, and the customer is simply asked as in chat."""
        if verification_refusal(tracker, order_number, verification_failures(tracker)):
            return False
        if not shop().verify(order_number, sender):
            return False
        with verification_guard() as guard:
            guard.record_success(order_number, tracker.sender_id, client(tracker))
        return True

    @staticmethod
    def _check_pair(dispatcher, tracker, order_number: str, contact: str) -> dict[str, Any]:
        failures = verification_failures(tracker)
        # Once closed the pair is not even checked, so a right guess teaches the guesser nothing.
        # The order number stays: the handoff tells the agent which order was tried.
        closed = {"order_id": order_number, "verification_code": None, "verified_order": None}
        if verification_refusal(tracker, order_number, failures):
            return closed
        matched = shop().verify(order_number, contact)
        with verification_guard() as guard:
            record = guard.record_success if matched else guard.record_failure
            record(order_number, tracker.sender_id, client(tracker))
        if matched:
            return {"order_id": order_number, "verification_code": contact, "verified_order": order_number}
        failures += 1
        if refusal := verification_refusal(tracker, order_number, failures):
            metrics.VERIFICATION_LOCKOUTS.labels(reason=refusal.value).inc()
            return {**closed, "verification_failures": float(failures)}
        dispatcher.utter_message(response="utter_verification_failed")
        return {"order_id": None, "verification_code": None, "verified_order": None,
                "verification_failures": float(failures)}
