"""Collects keypad (DTMF) keys into one entry, so a caller can type an order number instead of saying it."""

SUBMIT = "#"
CLEAR = "*"
# Longer than any order number, postcode or phone number: keys beyond it are dropped.
MAX_DIGITS = 32


class KeypadCollector:
    """Keys typed up to `#` become one entry (e.g. "48213"); `*` starts the entry again; a `#`
    with nothing typed says nothing."""

    def __init__(self) -> None:
        self._typed: list[str] = []
        # While the bot offers numbered choices, one key is a whole answer (no `#` needed).
        self.single_key = False

    def press(self, key: str) -> str | None:
        """The finished entry once this key completes one, else None."""
        if key == CLEAR:
            self._typed.clear()
        elif key == SUBMIT:
            entry, self._typed = "".join(self._typed), []
            return entry or None
        elif self.single_key and not self._typed:
            return key
        elif len(self._typed) < MAX_DIGITS:
            self._typed.append(key)
        return None
