"""An in-memory tracker store whose conversations outlive a model swap.

Rasa's `PUT /model` (used by `koliber train`) builds a new agent, and with it a new tracker
store from endpoints.yml: Rasa's own in-memory store would start empty and every open
conversation would be forgotten. Every instance of this one shares one dictionary per process.
"""

from typing import Any, Dict, Optional, Text

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain

# sender id -> serialised tracker, for the life of the engine process.
_CONVERSATIONS: Dict[Text, Text] = {}


class ProcessTrackerStore(InMemoryTrackerStore):
    def __init__(self, domain: Domain, event_broker: Optional[EventBroker] = None, **kwargs: Any) -> None:
        kwargs.pop("host", None)  # Rasa passes the endpoint's url, which an in-memory store has none of
        super().__init__(domain, event_broker, **kwargs)
        self.store = _CONVERSATIONS

    async def delete(self, sender_id: Text) -> None:
        """Forgets one conversation (a customer's erasure request)."""
        self.store.pop(sender_id, None)
