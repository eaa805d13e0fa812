"""A tiny bilingual Rasa project written into a temporary folder, valid until a test breaks one thing."""

from pathlib import Path

from bot.trainer.data.project import ProjectLayout

DOMAIN = '''version: "3.1"
intents:
- greet
- order_status
entities:
- order_id
slots:
  language:
    type: categorical
    values: [pl, en]
    mappings:
    - type: custom
  order_id:
    type: text
    mappings:
    - type: from_entity
      entity: order_id
forms:
  verify_form:
    required_slots:
    - order_id
actions:
- action_answer_order
responses:
  utter_greet:
  - condition:
    - type: slot
      name: language
      value: pl
    text: "Dzień dobry, {name}!"
  - condition:
    - type: slot
      name: language
      value: en
    text: "Hello, {name}!"
'''

NLU = {
    "pl": '''version: "3.1"
nlu:
- intent: greet
  examples: |
    - dzień dobry
    - cześć
    - witam
- intent: order_status
  examples: |
    - gdzie jest moja paczka
    - status zamówienia [48213](order_id)
    - kiedy dojdzie przesyłka
''',
    "en": '''version: "3.1"
nlu:
- intent: greet
  examples: |
    - hello
    - hi there
    - good morning
- intent: order_status
  examples: |
    - where is my parcel
    - status of order [48213](order_id)
    - when will my package arrive
''',
}

STORIES = '''version: "3.1"
stories:
- story: order status
  steps:
  - intent: greet
  - action: utter_greet
  - intent: order_status
    entities:
    - order_id: "48213"
  - action: verify_form
  - active_loop: verify_form
  - slot_was_set:
    - order_id: "48213"
  - active_loop: null
  - action: action_answer_order
'''

TEST_STORIES = '''version: "3.1"
stories:
- story: an English customer asks about an order
  steps:
  - user: |
      hello
    intent: greet
  - action: utter_greet
  - user: |
      where is order [48213](order_id)?
    intent: order_status
  - action: verify_form
'''

SETTINGS = '''trainer:
  min_examples: 3
  trigger_only_intents: []
'''


def write_project(root: Path, **overrides: str) -> ProjectLayout:
    """Writes the sample project; an override replaces one file's text (domain, nlu_pl, nlu_en, stories,
    test_stories, settings)."""
    files = {
        "domain.yml": overrides.get("domain", DOMAIN),
        "nlu_data/pl/nlu.yml": overrides.get("nlu_pl", NLU["pl"]),
        "nlu_data/en/nlu.yml": overrides.get("nlu_en", NLU["en"]),
        "stories/stories.yml": overrides.get("stories", STORIES),
        "tests/stories/test_stories.yml": overrides.get("test_stories", TEST_STORIES),
        "config/trainer.yml": overrides.get("settings", SETTINGS),
        "config.yml": "recipe: default.v1\nlanguage: pl\npipeline: []\npolicies: []\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return ProjectLayout(root)


def line_of(path: Path, text: str, occurrence: int = 1) -> int:
    """The 1-based line where `text` occurs for the `occurrence`-th time."""
    hits = [number for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line]
    return hits[occurrence - 1]
