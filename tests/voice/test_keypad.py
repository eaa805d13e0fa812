"""Keypad keys collected into one typed entry."""

from voice.keypad import MAX_DIGITS, KeypadCollector


def press(keypad: KeypadCollector, keys: str) -> list[str | None]:
    """What each key press finished, in order (None while an entry is still being typed)."""
    return [keypad.press(key) for key in keys]


def entries(keypad: KeypadCollector, keys: str) -> list[str]:
    return [entry for entry in press(keypad, keys) if entry is not None]


def test_digits_up_to_hash_become_one_entry():
    assert press(KeypadCollector(), "48213#") == [None] * 5 + ["48213"]


def test_nothing_is_finished_until_hash():
    assert entries(KeypadCollector(), "4821") == []


def test_star_clears_what_was_typed():
    assert entries(KeypadCollector(), "99*123#") == ["123"]


def test_a_lone_hash_says_nothing():
    assert entries(KeypadCollector(), "#") == []
    assert entries(KeypadCollector(), "12*#") == []


def test_each_entry_starts_afresh():
    assert entries(KeypadCollector(), "12#34#") == ["12", "34"]


def test_with_numbered_choices_one_key_is_a_whole_answer():
    keypad = KeypadCollector()
    keypad.single_key = True
    assert press(keypad, "2") == ["2"]
    assert press(keypad, "3") == ["3"]


def test_with_numbered_choices_a_key_after_typing_started_still_waits_for_hash():
    keypad = KeypadCollector()
    assert press(keypad, "4") == [None]  # typing began before the choices were offered
    keypad.single_key = True
    assert press(keypad, "82#") == [None, None, "482"]


def test_star_and_hash_keep_their_meaning_with_numbered_choices():
    keypad = KeypadCollector()
    keypad.single_key = True
    assert press(keypad, "*#") == [None, None]


def test_keys_beyond_the_longest_entry_are_dropped():
    """A caller holding a key down cannot grow one entry without bound."""
    assert entries(KeypadCollector(), "1" * 10_000 + "#") == ["1" * MAX_DIGITS]
