"""Where and when a delay notice may go, as pure functions: the customer's channel (the one they
last wrote on, else SMS to the order's phone, else e-mail), always to the number or address on the
order, and never in the quiet hours of the shop's time zone."""

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot.models.conversation import Channel

# The channels a notice can go on; a voice call is not one of them (docs/delay-notices.md).
NOTICE_CHANNELS = (Channel.SMS, Channel.WHATSAPP, Channel.EMAIL)
WHATSAPP_PREFIX = "whatsapp:"


@dataclass(frozen=True)
class Route:
    channel: Channel
    address: str  # the channel's own form: "+48…", "whatsapp:+48…", an e-mail address


def choose_route(preferred: Channel | None, phone: str | None, email: str | None,
                 available: frozenset[Channel]) -> Route | None:
    """The customer's channel when it can reach them, else SMS to their phone, else e-mail; None
    when the shop has no way to reach them. Addresses are the order's, never a conversation's."""
    addresses = {Channel.SMS: phone, Channel.WHATSAPP: f"{WHATSAPP_PREFIX}{phone}" if phone else None,
                 Channel.EMAIL: email.lower() if email else None}
    for channel in (preferred, Channel.SMS, Channel.EMAIL):
        if channel in available and addresses.get(channel):
            return Route(channel, addresses[channel])
    return None


def opt_out_address(address: str) -> str:
    """The address as opt-outs are kept: a phone number without its channel's prefix, e-mail in lower case."""
    return address.removeprefix(WHATSAPP_PREFIX).lower()


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time
    zone: ZoneInfo

    @classmethod
    def parse(cls, span: str, zone: str) -> "QuietHours":
        """From "21:00-08:00" in a time zone."""
        start, _, end = span.partition("-")
        return cls(time.fromisoformat(start), time.fromisoformat(end), ZoneInfo(zone))

    def cover(self, moment: datetime) -> bool:
        local = moment.astimezone(self.zone).time()
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end  # the span crosses midnight
