"""Where a notice may go and when, as a table: the customer's channel when it reaches them, else SMS
to the order's phone, else e-mail; quiet hours that cross midnight or not."""

from datetime import datetime, timedelta, timezone

import pytest

from bot.models.conversation import Channel
from bot.notices.routing import NOTICE_CHANNELS, QuietHours, Route, choose_route

ALL = frozenset(NOTICE_CHANNELS)
PHONE, EMAIL = "+48512345678", "Piotr@Example.pl"


@pytest.mark.parametrize("preferred, phone, email, available, expected", [
    (Channel.WHATSAPP, PHONE, EMAIL, ALL, Route(Channel.WHATSAPP, f"whatsapp:{PHONE}")),
    (Channel.EMAIL, PHONE, EMAIL, ALL, Route(Channel.EMAIL, "piotr@example.pl")),
    (None, PHONE, EMAIL, ALL, Route(Channel.SMS, PHONE)),
    (Channel.WEB, PHONE, EMAIL, ALL, Route(Channel.SMS, PHONE)),  # not a notice channel
    (Channel.WHATSAPP, None, EMAIL, ALL, Route(Channel.EMAIL, "piotr@example.pl")),  # no phone on the order
    (Channel.WHATSAPP, PHONE, EMAIL, frozenset({Channel.SMS}), Route(Channel.SMS, PHONE)),  # no WhatsApp number
    (None, PHONE, EMAIL, frozenset({Channel.EMAIL}), Route(Channel.EMAIL, "piotr@example.pl")),
    (None, None, EMAIL, frozenset({Channel.SMS}), None),
])
def test_the_route_is_the_customers_channel_else_sms_else_email(preferred, phone, email, available, expected):
    assert choose_route(preferred, phone, email, available) == expected


@pytest.mark.parametrize("span, hour, minute, quiet", [
    ("21:00-08:00", 20, 59, False), ("21:00-08:00", 21, 0, True), ("21:00-08:00", 2, 30, True),
    ("21:00-08:00", 7, 59, True), ("21:00-08:00", 8, 0, False),
    ("12:00-13:00", 12, 30, True), ("12:00-13:00", 13, 0, False), ("12:00-13:00", 23, 0, False),
])
def test_quiet_hours_in_the_shops_time_zone(span, hour, minute, quiet):
    hours = QuietHours.parse(span, "Europe/Warsaw")
    summer = datetime(2026, 7, 1, hour, minute, tzinfo=timezone(timedelta(hours=2)))  # CEST
    assert hours.cover(summer.astimezone(timezone.utc)) is quiet
