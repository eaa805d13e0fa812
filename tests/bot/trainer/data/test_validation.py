"""`koliber validate`: each trainer's mistake is caught with its file and line; the repo's data passes."""

import time
from pathlib import Path

from bot.cli import main
from bot.settings import PROJECT_ROOT
from bot.trainer.data.project import ProjectLayout
from bot.trainer.data.validation import validate_project
from tests.bot.trainer.sample_project import DOMAIN, NLU, SETTINGS, STORIES, TEST_STORIES, line_of, write_project


def problems(layout: ProjectLayout) -> list[str]:
    return validate_project(layout).lines(layout.root)


def test_the_sample_project_is_valid(tmp_path):
    assert problems(write_project(tmp_path)) == []


def test_too_few_examples_in_one_language(tmp_path):
    layout = write_project(tmp_path, nlu_en=NLU["en"].replace("    - good morning\n", ""))
    line = line_of(layout.domain, "- greet")
    assert problems(layout) == [f"domain.yml:{line}: intent 'greet' has 2 en examples, at least 3 needed"]


def test_an_intent_with_no_examples_at_all_is_reported_in_both_languages(tmp_path):
    layout = write_project(tmp_path, domain=DOMAIN.replace("- order_status\n", "- order_status\n- survey_start\n"))
    line = line_of(layout.domain, "- survey_start")
    assert problems(layout) == [f"domain.yml:{line}: intent 'survey_start' has 0 pl examples, at least 3 needed",
                                f"domain.yml:{line}: intent 'survey_start' has 0 en examples, at least 3 needed"]


def test_a_trigger_only_intent_needs_no_examples(tmp_path):
    layout = write_project(tmp_path, domain=DOMAIN.replace("- order_status\n", "- order_status\n- survey_start\n"),
                           settings=SETTINGS.replace("[]", "[survey_start]"))
    assert problems(layout) == []


def test_examples_of_an_intent_the_domain_does_not_declare(tmp_path):
    layout = write_project(tmp_path, nlu_pl=NLU["pl"] + "- intent: order_sttaus\n  examples: |\n    - gdzie paczka\n")
    path = layout.nlu_dir / "pl" / "nlu.yml"
    assert problems(layout) == [f"nlu_data/pl/nlu.yml:{line_of(path, 'gdzie paczka')}: "
                                "intent 'order_sttaus' is not declared in the domain"]


def test_a_response_without_its_english_variant(tmp_path):
    domain = DOMAIN.split("  - condition:\n    - type: slot\n      name: language\n      value: en")[0]
    layout = write_project(tmp_path, domain=domain)
    assert problems(layout) == [f"domain.yml:{line_of(layout.domain, 'utter_greet:')}: response 'utter_greet' "
                                "has no en variant (condition: slot language = en)"]


def test_a_response_variant_without_a_language_condition(tmp_path):
    layout = write_project(tmp_path, domain=DOMAIN + '  - text: "Hi, {name}"\n')
    line = line_of(layout.domain, 'text: "Hi, {name}"')
    assert problems(layout) == [f"domain.yml:{line}: a variant of 'utter_greet' has no language condition, "
                                "so it can reach a customer in the other language"]


def test_response_variants_that_fill_in_different_values(tmp_path):
    layout = write_project(tmp_path, domain=DOMAIN.replace('"Hello, {name}!"', '"Hello, {first_name}!"'))
    assert problems(layout) == [f"domain.yml:{line_of(layout.domain, 'utter_greet:')}: the variants of 'utter_greet' "
                                "fill in different values (pl: name; en: first_name)"]


def test_the_same_example_under_two_intents(tmp_path):
    layout = write_project(tmp_path, nlu_en=NLU["en"].replace("    - when will my package arrive", "    - hello"))
    path = layout.nlu_dir / "en" / "nlu.yml"
    assert problems(layout) == [f"nlu_data/en/nlu.yml:{line_of(path, '- hello', 2)}: 'hello' is an example of "
                                f"'order_status' and of 'greet' (en/nlu.yml:{line_of(path, '- hello')})"]


def test_the_same_example_under_two_intents_in_different_languages(tmp_path):
    layout = write_project(tmp_path, nlu_en=NLU["en"].replace("    - when will my package arrive", "    - cześć"))
    path = layout.nlu_dir / "en" / "nlu.yml"
    assert problems(layout) == [f"nlu_data/pl/nlu.yml:{line_of(layout.nlu_dir / 'pl' / 'nlu.yml', 'cześć')}: 'cześć' is "
                                f"an example of 'greet' and of 'order_status' (en/nlu.yml:{line_of(path, 'cześć')})"]


def test_examples_differing_only_in_case_and_diacritics_under_two_intents(tmp_path):
    layout = write_project(tmp_path, nlu_pl=NLU["pl"].replace("    - kiedy dojdzie przesyłka", "    - Dzien dobry!"))
    path = layout.nlu_dir / "pl" / "nlu.yml"
    assert problems(layout) == [
        f"nlu_data/pl/nlu.yml:{line_of(path, 'Dzien dobry!')}: 'Dzien dobry!' ('order_status') differs only in "
        f"case, diacritics or punctuation from 'dzień dobry' ('greet', pl/nlu.yml:{line_of(path, 'dzień dobry')})"]


def test_an_annotated_entity_the_domain_does_not_declare(tmp_path):
    layout = write_project(tmp_path, nlu_pl=NLU["pl"].replace("    - kiedy dojdzie przesyłka",
                                                              "    - paczka na [Kraków](city)"))
    path = layout.nlu_dir / "pl" / "nlu.yml"
    assert problems(layout) == [f"nlu_data/pl/nlu.yml:{line_of(path, '(city)')}: "
                                "entity 'city' is annotated but not declared in the domain"]


def test_stories_using_what_the_domain_lacks(tmp_path):
    stories = (STORIES.replace("intent: greet", "intent: greeting")
               .replace("action: action_answer_order", "action: action_answer_orders")
               .replace("- order_id: \"48213\"\n  - active_loop: null", "- order_number: \"48213\"\n  - active_loop: null")
               .replace("active_loop: verify_form", "active_loop: verification_form"))
    layout = write_project(tmp_path, stories=stories)
    path = tmp_path / "stories" / "stories.yml"
    assert problems(layout) == [
        f"stories/stories.yml:{line_of(path, 'intent: greeting')}: intent 'greeting' is not in the domain",
        f"stories/stories.yml:{line_of(path, 'active_loop: verification_form')}: form 'verification_form' is not in the domain",
        f"stories/stories.yml:{line_of(path, '- order_number')}: slot 'order_number' is not in the domain",
        f"stories/stories.yml:{line_of(path, 'action_answer_orders')}: action 'action_answer_orders' is not in the domain",
    ]


def test_rules_are_checked_too_conditions_included(tmp_path):
    rules = STORIES + ('rules:\n- rule: greet back\n  condition:\n  - slot_was_set:\n    - mood: happy\n'
                       '  steps:\n  - intent: greet\n  - action: utter_welcome\n')
    layout = write_project(tmp_path, stories=rules)
    path = tmp_path / "stories" / "stories.yml"
    assert problems(layout) == [
        f"stories/stories.yml:{line_of(path, '- mood: happy')}: slot 'mood' is not in the domain",
        f"stories/stories.yml:{line_of(path, 'action: utter_welcome')}: action 'utter_welcome' is not in the domain",
    ]


def test_a_test_story_that_names_a_removed_intent(tmp_path):
    layout = write_project(tmp_path, domain=DOMAIN.replace("- greet\n", "- greet\n- chitchat\n"),
                           nlu_pl=NLU["pl"] + "- intent: chitchat\n  examples: |\n    - co tam\n    - jak leci\n    - hej hej\n",
                           nlu_en=NLU["en"] + "- intent: chitchat\n  examples: |\n    - whats up\n    - how are you\n    - yo\n",
                           test_stories=TEST_STORIES.replace("intent: greet", "intent: chitchat"))
    assert problems(layout) == []
    # The trainer removes `chitchat` from the domain and its examples, and forgets the test story.
    layout = write_project(tmp_path, test_stories=TEST_STORIES.replace("intent: greet", "intent: chitchat"))
    path = tmp_path / "tests" / "stories" / "test_stories.yml"
    assert problems(layout) == [f"tests/stories/test_stories.yml:{line_of(path, 'user: |')}: "
                                "intent 'chitchat' is not in the domain"]


def test_a_test_story_annotating_an_undeclared_entity(tmp_path):
    layout = write_project(tmp_path, test_stories=TEST_STORIES.replace("(order_id)", "(order_number)"))
    path = tmp_path / "tests" / "stories" / "test_stories.yml"
    assert problems(layout) == [f"tests/stories/test_stories.yml:{line_of(path, 'user: |', 2)}: "
                                "entity 'order_number' is annotated but not declared in the domain"]


def test_a_file_that_is_not_valid_yaml(tmp_path):
    layout = write_project(tmp_path, nlu_en=NLU["en"].replace("- intent: order_status", "- intent: [order_status"))
    [problem] = problems(layout)
    assert problem.startswith("nlu_data/en/nlu.yml:") and "invalid YAML" in problem


def test_the_command_prints_file_and_line_and_fails(tmp_path, capsys):
    layout = write_project(tmp_path, nlu_en=NLU["en"].replace("    - good morning\n", ""))
    assert main(["validate", "--no-rasa", "--project", str(layout.root)]) == 1
    out = capsys.readouterr().out
    assert f"domain.yml:{line_of(layout.domain, '- greet')}: intent 'greet' has 2 en examples" in out
    assert main(["validate", "--no-rasa", "--project", str(layout.root), "--min-examples", "2"]) == 0


def test_the_repo_data_passes_in_well_under_ten_seconds(capsys):
    started = time.perf_counter()
    assert main(["validate", "--no-rasa"]) == 0, capsys.readouterr().out
    assert time.perf_counter() - started < 10
    assert Path(PROJECT_ROOT / "config" / "trainer.yml").exists()
