"""The handoff settings in force: the ones saved in the console, else the defaults from
config/handoff.yml, kept for a few seconds (shop/owner_settings.py says how)."""

import time
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from bot.handoff.hours import HandoffConfig
from bot.handoff.hours_settings import SECTION, apply
from shop.owner_settings import LiveSettings, stored


class LiveHandoffConfig(LiveSettings[HandoffConfig]):
    def __init__(self, sessions: sessionmaker[Session], defaults: HandoffConfig, keep_seconds: float = 5.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        super().__init__(sessions, defaults, lambda session: apply(defaults, stored(session, SECTION)),
                         keep_seconds, monotonic)
