"""Tells the customer's language inside the engine: an NLU component adds a `language` entity to
each turn of a conversation, and the `language` slot fills from it (a `from_entity` mapping), with
no call to the action server.

The detector (text/language.py) learns its words from nlu_data/pl and nlu_data/en when the model
is trained (the folder is what says which language an example is in) and is saved in the model.
When the words do not tell (an order number, "ok", a button), the turn's `language` metadata does:
the conversation's language, which the gateway sends with every turn (the page's at first, the
dialled number's for a call, then what this slot last said). A message without that metadata is
not a conversation's turn (a bare /model/parse, a test story) and gets no entity.
"""

import json
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, METADATA, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from text.language import LanguageDetector

LANGUAGES = ("pl", "en")
ENTITY = "language"
TABLE_FILE = "log_odds.json"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=True)
class LanguageDetection(GraphComponent, EntityExtractorMixin):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"nlu_data": "nlu_data"}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 detector: Optional[LanguageDetector] = None) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._detector = detector

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "LanguageDetection":
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "LanguageDetection":
        with model_storage.read_from(resource) as directory:
            log_odds = json.loads((directory / TABLE_FILE).read_text(encoding="utf-8"))
        return cls(config, model_storage, resource, LanguageDetector(log_odds))

    def train(self, training_data: TrainingData) -> Resource:
        """Learns from the files, not `training_data`, which no longer says which folder an example
        came from; the training data is still this step's input, so a change to it retrains."""
        self._detector = LanguageDetector.from_nlu_data(Path(self._config["nlu_data"]))
        with self._model_storage.write_to(self._resource) as directory:
            (directory / TABLE_FILE).write_text(json.dumps(self._detector.log_odds), encoding="utf-8")
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            language = self._language(message)
            if language is not None:
                entity = {"entity": ENTITY, "value": language, "start": 0, "end": 0}
                message.set(ENTITIES, [*message.get(ENTITIES, []), *self.add_extractor_name([entity])],
                            add_to_output=True)
        return messages

    def _language(self, message: Message) -> Optional[str]:
        hint = (message.get(METADATA) or {}).get(ENTITY)
        if hint not in LANGUAGES:  # not a conversation's turn: a bare parse, a test story
            return None
        detected = self._detector.detect(message.get(TEXT) or "") if self._detector else None
        return detected or hint
