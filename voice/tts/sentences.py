"""Screen text made sayable on a phone, and cut into sentences that are synthesised one at a time.

The language-dependent words (the website phrase, abbreviations) live in speakable.yml; this
module holds the rules that apply them. Numbers, dates, times and amounts are put into words by
voice.tts.numbers.
"""

import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from voice.tts.numbers import say_numbers

RULES_FILE = Path(__file__).with_name("speakable.yml")

_TERMINAL = ".!?…"
_CLOSERS = "\"'”’»)]"
_OPENERS = "\"'„“‘«(["

# --- sentences -------------------------------------------------------------------------------

# Terminal punctuation, any closing quotes or brackets, then the space a sentence boundary needs:
# dots inside "12.50", "14:00", "sklep@koliber.pl" or "e.g" are never followed by a space.
_BOUNDARY = re.compile(rf"([{_TERMINAL}]+)([{re.escape(_CLOSERS)}]*)\s+")
_WORD = re.compile(r"\w+")


def split_sentences(text: str, min_words: int = 3) -> list[str]:
    """Sentences of Polish or English text, in order, whitespace tidied.

    A line break always ends a sentence. A full stop ends one only before a capital letter or a
    digit and not after an abbreviation ("np.", "ul.", "Mr.") or an initial ("J. Kowalski").
    A fragment of fewer than `min_words` words ("Tak.", "Thanks!") is joined to the next sentence
    (the last one to the previous), since a sentence is also the unit of audio and of marks.
    """
    fragments: list[str] = []
    for line in text.splitlines():
        fragments.extend(_split_line(" ".join(line.split())))
    return _merge_short(fragments, min_words)


def _split_line(line: str) -> list[str]:
    pieces, start = [], 0
    for boundary in _BOUNDARY.finditer(line):
        if _ends_sentence(line, boundary):
            pieces.append(line[start : boundary.end(2)])
            start = boundary.end()
    pieces.append(line[start:])
    return [piece.strip() for piece in pieces if piece.strip()]


def _ends_sentence(line: str, boundary: re.Match[str]) -> bool:
    punctuation = boundary.group(1)
    if "!" in punctuation or "?" in punctuation:
        return True
    following = line[boundary.end() :].lstrip(_OPENERS)
    next_char = following[:1]
    if not (next_char.isupper() or next_char.isdigit()):
        return False  # "…i tak dalej" or "23. listopada": the sentence goes on
    if punctuation != ".":
        return True
    before = line[: boundary.start()].split()
    word = before[-1].lstrip(_OPENERS) if before else ""
    rules = _rules()
    if _is_listed(word, rules["abbreviations"]):
        return False
    if next_char.isdigit() and _is_listed(word, rules["abbreviations_before_number"]):
        return False
    return not (len(word) == 1 and word.isupper())  # an initial: "J. Kowalski"


def _is_listed(word: str, abbreviations: list[str]) -> bool:
    return word in abbreviations or word[:1].lower() + word[1:] in abbreviations


def _merge_short(fragments: list[str], min_words: int) -> list[str]:
    sentences: list[str] = []
    pending = ""
    for fragment in fragments:
        fragment = f"{pending} {fragment}" if pending else fragment
        pending = ""
        if len(_WORD.findall(fragment)) < min_words:
            pending = fragment
        else:
            sentences.append(fragment)
    if pending:
        if sentences:
            sentences[-1] = f"{sentences[-1]} {pending}"
        else:
            sentences.append(pending)
    return sentences


# --- speakable text --------------------------------------------------------------------------

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_ITEM = re.compile(r"^\s*(?:[-*+•·▪‣◦►–—]|\d{1,2}[.)])\s+(.*)$")
_RULE = re.compile(r"^\s*(?:[-*_]\s*){3,}$")
_FENCE = re.compile(r"^\s*(?:```|~~~)")
_QUOTE = re.compile(r"^\s*(?:>\s?)+")
_TABLE_ROW = re.compile(r"^\s*\|(.*)\|\s*$")
_TABLE_SEPARATOR = re.compile(r"^[\s|:-]*$")

_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\(\s*([^)\s]+)(?:\s+\"[^\"]*\")?\s*\)")
_WEB = r"(?:https?://|www\.)[^\s<>\"'\[\]()]+|(?<![@\w.])[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/[^\s<>\"'\[\]()]*"
_WEB_ADDRESS = re.compile(rf"^(?:{_WEB})$", re.IGNORECASE)
_EMPHASIS = [
    re.compile(r"~~.+?~~"),  # struck out: an old price must not be read next to the new one
    re.compile(r"\*\*(.+?)\*\*"),
    re.compile(r"(?<!\w)__(.+?)__(?!\w)"),
    re.compile(r"(?<![\w*])\*(?![\s*])(.+?)(?<![\s*])\*(?![\w*])"),
    re.compile(r"(?<!\w)_(?![\s_])(.+?)(?<![\s_])_(?!\w)"),
    re.compile(r"`([^`]*)`"),
]
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\u2300-\u23ff\u2600-\u27bf\u2b00-\u2bff\ufe00-\ufe0f\u200d\u20e3\U000e0020-\U000e007f]+"
)
_ARROW = re.compile(r"\s*[\u2190-\u21ff\u27f0-\u27ff]\s*")
_DASH = re.compile(r"\s*[–—]\s*|\s+-\s+")
_HASH_NUMBER = re.compile(r"#(?=\d)")


def speakable(text: str, language: str) -> str:
    """`text` as it should be said on the phone: no markup, links or emoji; dates, times, prices,
    counts and long numbers in words; one sentence per line for list items and headings.

    >>> speakable("**Zwrot** w 14 dni: https://koliber.pl/zwroty 🙂", "pl")
    'Zwrot w czternaście dni: na naszej stronie.'
    """
    words = _words(language)
    lines: list[tuple[str, str]] = []
    in_fence = False
    for raw in unicodedata.normalize("NFC", text).splitlines():
        if _FENCE.match(raw):
            in_fence = not in_fence
            continue
        kind, content = ("text", raw) if in_fence else _line_structure(raw)
        lines.append((kind, _inline(content, words)))
    return _join_lines(lines)


def _line_structure(line: str) -> tuple[str, str]:
    """Markdown that belongs to a whole line, removed: ("heading" | "item" | "text", content)."""
    line = _QUOTE.sub("", line)
    if _RULE.match(line):
        return "text", ""
    if heading := _HEADING.match(line):
        return "heading", heading.group(1)
    if row := _TABLE_ROW.match(line):
        if _TABLE_SEPARATOR.match(row.group(1)):
            return "text", ""
        return "item", ", ".join(cell.strip() for cell in row.group(1).split("|") if cell.strip())
    if item := _ITEM.match(line):
        return "item", item.group(1)
    return "text", line


def _inline(text: str, words: "_Words") -> str:
    text = _IMAGE.sub("", text)
    text = _LINK.sub(words.say_link, text)
    text = words.web_address.sub(words.say_web_address, text)
    for pattern in _EMPHASIS:
        text = pattern.sub(lambda match: match.group(1) if match.groups() else "", text)
    text = _EMOJI.sub("", text)
    text = _ARROW.sub(", ", text)
    text = _HASH_NUMBER.sub("", text)
    text = say_numbers(text, words.language)  # before the abbreviations: "godz. 14:00", "ok. 12 min"
    text = words.expansion.sub(words.expand, text) if words.expansion else text
    text = _DASH.sub(", ", text)
    return _tidy(text)


def _tidy(text: str) -> str:
    text = " ".join(text.split())
    text = re.sub(r"\(\s*\)", "", text)
    text = re.sub(r"\s+([.,!?;:…)])", r"\1", text)
    text = re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", text)  # ", ," left where a dash met a comma
    text = re.sub(r"[,;:]+(?=[.!?…])", "", text)
    return text.strip(" ,;")


def _join_lines(lines: list[tuple[str, str]]) -> str:
    """One line per sentence-like unit; a paragraph wrapped mid-sentence is joined back up."""
    out: list[str] = []
    carry = ""
    for position, (kind, content) in enumerate(lines):
        if not content:
            if carry:
                out.append(_terminated(carry))
                carry = ""
            continue
        text = f"{carry} {content}" if carry else content
        carry = ""
        following = lines[position + 1] if position + 1 < len(lines) else ("text", "")
        wrapped = kind == "text" and following[0] == "text" and following[1][:1].islower()
        if wrapped and not _has_terminal(text):
            carry = text
        elif kind == "text" and text.endswith(":"):
            out.append(text)  # it introduces what follows ("Mamy trzy opcje:")
        else:
            out.append(_terminated(text))
    if carry:
        out.append(_terminated(carry))
    return "\n".join(out)


def _has_terminal(text: str) -> bool:
    return text.rstrip(_CLOSERS)[-1:] in _TERMINAL


def _terminated(text: str) -> str:
    if _has_terminal(text):
        return text
    return text.rstrip(",;:") + "."


# --- the language's words --------------------------------------------------------------------


class _Words:
    """speakable.yml's entries for one language, with the patterns and renderings built on them."""

    def __init__(self, language: str, rules: dict[str, Any]) -> None:
        self.language = language
        self.website: str = rules["website"][language]
        lead_ins = sorted(rules["url_lead_ins"][language], key=len, reverse=True)
        lead_in = "|".join(re.escape(word) for word in lead_ins)
        self.web_address = re.compile(
            rf"(?:(?<!\w)(?P<lead>(?i:{lead_in})):?\s+)?(?P<address>{_WEB})", re.IGNORECASE
        )
        self.expansions: dict[str, str] = {}
        for short, full in rules["expansions"].get(language, {}).items():
            self.expansions[short] = full
            self.expansions[short[:1].upper() + short[1:]] = full[:1].upper() + full[1:]
        shorts = "|".join(re.escape(short) for short in sorted(self.expansions, key=len, reverse=True))
        self.expansion = re.compile(rf"(?<![\w.])(?:{shorts})(?!\w)") if shorts else None

    def say_link(self, match: re.Match[str]) -> str:
        label, target = match.group(1).strip(), match.group(2)
        if not _WEB_ADDRESS.match(target):
            return label
        if _WEB_ADDRESS.match(label):
            return self.website
        return f"{label} {self.website}"

    def say_web_address(self, match: re.Match[str]) -> str:
        address = match.group("address")
        trailing = address[len(address.rstrip(".,;:!?")) :]  # the sentence's, not the address's
        lead = match.group("lead") or ""
        phrase = self.website
        if lead[:1].isupper():
            phrase = phrase[:1].upper() + phrase[1:]
        return phrase + trailing

    def expand(self, match: re.Match[str]) -> str:
        return self.expansions[match.group(0)]


@cache
def _rules() -> dict[str, Any]:
    with RULES_FILE.open(encoding="utf-8") as file:
        return yaml.safe_load(file)


@cache
def _words(language: str) -> _Words:
    code = language.replace("_", "-").split("-")[0].lower()
    if code not in _rules()["website"]:
        raise ValueError(f"no speech rules for language {language!r} in {RULES_FILE.name}")
    if code != language:
        return _words(code)
    return _Words(code, _rules())
