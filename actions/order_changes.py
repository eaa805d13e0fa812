"""Changes to a verified order the customer confirmed: cancellation and a new delivery address."""

import re
from typing import Any

from rasa_sdk import Action
from rasa_sdk.events import SlotSet
from rasa_sdk.forms import FormValidationAction

from actions.handoff import answers_when_shop_is_down, platform_cannot
from actions.shop_access import language, shop
from actions.verification import verified_order
from shop.order_views import NewAddress
from shop.service import ALREADY_CANCELLED, ALREADY_SHIPPED, DONE, NEEDS_PERSON
from text import formatting as fmt
from text.identifiers import find_postcode
from text.plurals import counted


class ActionCancelOrder(Action):
    def name(self) -> str:
        return "action_cancel_order"

    @answers_when_shop_is_down
    def run(self, dispatcher, tracker, domain) -> list[dict[str, Any]]:
        order_number = verified_order(tracker)
        if order_number is None:
            return [SlotSet("pending_confirmation", None)]
        service, lang = shop(), language(tracker)
        outcome, refund = service.cancel_order(order_number)
        if outcome == DONE and refund:
            order = service.get_order(order_number)
            dispatcher.utter_message(response="utter_order_cancelled_refund", order_id=order_number,
                                     amount=fmt.money(refund, order.currency, lang),
                                     refund_days=counted(service.policy.returns.refund_processing_days,
                                                         "business_day", lang, "genitive"))
        elif outcome == DONE:
            dispatcher.utter_message(response="utter_order_cancelled", order_id=order_number)
        elif outcome == ALREADY_CANCELLED:
            dispatcher.utter_message(response="utter_cancel_already_cancelled", order_id=order_number)
        elif outcome == ALREADY_SHIPPED:
            dispatcher.utter_message(response="utter_cancel_too_late", order_id=order_number,
                                     window_days=counted(service.policy.returns.window_days, "day", lang, "genitive"))
        elif outcome == NEEDS_PERSON:
            platform_cannot(dispatcher, tracker, order_number, "cancel_order")
        return [SlotSet("pending_confirmation", None)]


def parse_address(text: str) -> NewAddress | None:
    """"ul. Nowa 5, 00-001 Warszawa" -> street, postcode, city; None when a part is missing."""
    postcode = find_postcode(text)
    if not postcode:
        return None
    before, _, after = text.partition(postcode) if postcode in text else text.partition(postcode.replace(" ", ""))
    street = before.strip(" ,;\n")
    city = re.sub(r"^[\s,;]+", "", after).strip(" ,;.\n")
    if not street or not city or not re.search(r"\d", street):
        return None
    return NewAddress(street=street, postcode=postcode, city=city)


class ValidateAddressForm(FormValidationAction):
    def name(self) -> str:
        return "validate_address_form"

    def validate_new_address(self, value: Any, dispatcher, tracker, domain) -> dict[str, Any]:
        if parse_address(str(value or "")) is None:
            dispatcher.utter_message(response="utter_invalid_new_address")
            return {"new_address": None}
        return {"new_address": str(value).strip()}


class ActionChangeAddress(Action):
    def name(self) -> str:
        return "action_change_address"

    @answers_when_shop_is_down
    def run(self, dispatcher, tracker, domain) -> list[dict[str, Any]]:
        order_number = verified_order(tracker)
        address = parse_address(tracker.get_slot("new_address") or "")
        events = [SlotSet("new_address", None), SlotSet("next_step", None)]
        if order_number is None or address is None:
            return events
        outcome = shop().change_address(order_number, address)
        if outcome == DONE:
            dispatcher.utter_message(response="utter_address_changed", order_id=order_number,
                                     address=f"{address.street}, {address.postcode} {address.city}")
        elif outcome == NEEDS_PERSON:
            platform_cannot(dispatcher, tracker, order_number, "change_address")
        else:
            order = shop().get_order(order_number)
            shipment = order.shipment if order else None
            dispatcher.utter_message(response="utter_address_too_late", order_id=order_number,
                                     carrier=shipment.carrier if shipment else "",
                                     tracking_number=shipment.tracking_number if shipment else "")
        return events
