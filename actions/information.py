"""General shop information that needs no verification: delivery times, shipping, returns, contact."""

from typing import Any

from rasa_sdk import Action

from actions.shop_access import language, shop
from actions.verification import verified_order
from text import formatting as fmt
from text.plurals import counted


class ActionDeliveryTime(Action):
    """How long delivery takes from now: cut-off, business days, holidays, the next seasonal deadline."""

    def name(self) -> str:
        return "action_delivery_time"

    def run(self, dispatcher, tracker, domain) -> list[dict[str, Any]]:
        service, lang = shop(), language(tracker)
        policy, calendar = service.policy, service.calendar
        now = service.now()
        country = policy.find_country(tracker.latest_message.get("text") or "") or "PL"
        methods = policy.shipping.methods_for(country) or policy.shipping.methods_for("PL")
        fastest = min(methods, key=lambda m: m.transit_days)
        dispatch = calendar.dispatch_date(now)
        delivery = calendar.add_business_days(dispatch, fastest.transit_days)
        dispatcher.utter_message(
            response="utter_delivery_time",
            cutoff=policy.calendar.dispatch_cutoff.strftime("%H:%M"),
            dispatch_date=fmt.on_day(dispatch, lang),
            delivery_date=fmt.on_day(delivery, lang),
            transit_days=counted(fastest.transit_days, "business_day", lang),
            method=fastest.name.in_(lang),
            country=policy.country_name(country, lang),
        )
        today = calendar.local_date(now)
        for deadline in policy.calendar.seasonal_deadlines:
            deadline_day = today.replace(month=deadline.month, day=deadline.day)
            last_day = calendar.last_order_day(deadline_day, fastest.transit_days)
            if 0 <= (last_day - today).days <= 45:
                dispatcher.utter_message(response="utter_holiday_deadline", holiday=deadline.name.in_(lang),
                                         last_day=fmt.by_day(last_day, lang),
                                         cutoff=policy.calendar.dispatch_cutoff.strftime("%H:%M"))
        return []


class ActionShippingOptions(Action):
    """Methods and prices for the customer's country; for a verified order, its own country and basket."""

    def name(self) -> str:
        return "action_shipping_options"

    def run(self, dispatcher, tracker, domain) -> list[dict[str, Any]]:
        service, lang = shop(), language(tracker)
        policy = service.policy
        order_number = verified_order(tracker)
        order = service.get_order(order_number) if order_number else None
        country = policy.find_country(tracker.latest_message.get("text") or "") or (
            order.delivery_country if order else "PL")
        currency = "PLN" if country == "PL" else "EUR"
        methods = policy.shipping.methods_for(country)
        if not methods:
            dispatcher.utter_message(response="utter_shipping_not_available", country=policy.country_name(country, lang))
            return []
        threshold = policy.shipping.free_shipping_threshold.get(currency)
        basket = order.items_total if order and order.currency == currency else None
        lines = []
        for method in methods:
            price_currency = currency if currency in method.price else "PLN"
            free = method.free_over_threshold and threshold is not None and basket is not None and basket >= threshold
            price = 0 if free else method.price[price_currency]
            lines.append(f"{method.name.in_(lang)}: {fmt.money(price, price_currency, lang)}")
        dispatcher.utter_message(response="utter_shipping_options", country=policy.country_name(country, lang),
                                 options="; ".join(lines))
        if threshold is not None and any(m.free_over_threshold for m in methods):
            dispatcher.utter_message(response="utter_free_shipping", threshold=fmt.money(threshold, currency, lang))
        return []


class ActionReturnPolicy(Action):
    def name(self) -> str:
        return "action_return_policy"

    def run(self, dispatcher, tracker, domain) -> list[dict[str, Any]]:
        service, lang = shop(), language(tracker)
        returns = service.policy.returns
        blocked = [service.policy.categories[c].in_(lang) for c in returns.non_returnable_categories]
        # "Masz 14 dni" takes the accusative, "w ciągu 5 dni roboczych" the genitive.
        dispatcher.utter_message(response="utter_return_policy",
                                 window_days=counted(returns.window_days, "day", lang, "accusative"),
                                 conditions=returns.conditions.in_(lang),
                                 return_shipping=returns.return_shipping.in_(lang),
                                 categories=fmt.listing(blocked, lang),
                                 refund_days=counted(returns.refund_processing_days, "business_day", lang, "genitive"))
        return []


class ActionContactInfo(Action):
    def name(self) -> str:
        return "action_contact_info"

    def run(self, dispatcher, tracker, domain) -> list[dict[str, Any]]:
        lang, contact = language(tracker), shop().policy.contact
        dispatcher.utter_message(response="utter_contact_info", phone=contact.phone, email=contact.email,
                                 address=contact.address.in_(lang), hours=contact.opening_hours.in_(lang))
        return []
