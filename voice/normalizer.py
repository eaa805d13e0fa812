"""Spoken forms in a recognised phone utterance rewritten the way a customer would type them.

Speech recognisers (Vosk, Whisper) give "cztery osiem dwa jeden trzy" or "john dot miller at
example dot com"; the dialogue engine was trained on typed text ("48213", "john.miller@example.com").
`normalize_spoken` rewrites identifiers only and leaves every other word, capital and punctuation
mark of the utterance as it was. The rules, in the order they run:

1. E-mail addresses. "at" / "małpa" (or "@") becomes "@" only when it sits between a local part and
   a domain with at least one spoken dot ("kropka" / "dot") and a letters-only top-level domain, and
   `text.identifiers.normalize_email` accepts the result; so "I was at home" stays. Parts are
   joined by "kropka"/"dot" (.), "podkreślnik"/"podłoga"/"dolna kreska"/"underscore" (_),
   "myślnik"/"kreska"/"minus"/"dash"/"hyphen" (-) and "plus" (+). A part is one word with any
   number spoken after it ("kowalski osiemdziesiąt pięć" -> "kowalski85"), or a run of spelled
   letters and digits ("j a n", "o dwa" -> "o2", Polish letter names "pe el" -> "pl"). The local
   part is the chain of such parts that ends at "@": a plain word not joined to it by a connector
   is not part of it ("jan kowalski małpa ..." -> "jan kowalski@..."), and a stop word cannot start
   it ("it at amazon dot com" -> "it at amazon.com"; the domain alone is still written).
   Letters are folded to ASCII (text.folding) and lower-cased.
2. UK postcodes spelled out (English only): "s w one a one a a" -> "SW1A 1AA".
3. Numbers. A run of number words and digits (commas or full stops between them, as Whisper
   writes "Four, eight, two.", and "forty-eight" hyphens are part of the run) is read as a
   sequence of spoken groups, each a cardinal up to thousands: "forty eight two thirteen" ->
   48|2|13, "czterdzieści osiem dwieście trzynaście" -> 48|213, "double four" / "podwójna
   czwórka" / "dwa razy cztery" -> 44,
   "forty eight thousand two hundred and thirteen" -> 48213. The groups' digits are joined when
   the run is an identifier, which we call it when
     - it yields at least 5 digits (the shortest code the shop asks for: order numbers, Polish and
       German postcodes; phone numbers are longer), or
     - it is spelled one digit at a time (digits, "oh"/"o", "double"/"triple", "podwójne"/"potrójne",
       "dwa razy"/"trzy razy") and yields at least
       3 digits ("nine five zero" -> "950");
   and two runs of 2 and 3 digits around "myślnik"/"kreska"/"minus"/"dash"/"hyphen"/"-" make a
   Polish postcode ("00-950"). Everything shorter or looser (quantities, prices, sizes, times:
   "two pairs", "sto złotych", "rozmiar czterdzieści dwa", "ten thirty") keeps the caller's words.
   A Polish postcode spoken without the dash becomes "00950", which `normalize_postcode` and
   `postcode_key` accept as the same code. English "oh"/"o" counts as zero only next to another
   number word, and not as a sentence-opening interjection ("Oh, ...").

Number words come from text/data/number_words.yml (text.number_words), taken per language so
that Polish "ten" ("this") is never 10, with the whole numbers callers say (hundreds, thousands,
inflected Polish cardinals). spaCy's blank tokenisers split the text as text.number_words does,
and spaCy's stop-word lists tell where an e-mail's local part cannot start.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from text.folding import fold
from text.identifiers import normalize_email, normalize_postcode
from text.number_words import NumberWords, number_words, tokenizer, words_to_digits

SPELLED_MIN_DIGITS = 3
GROUPED_MIN_DIGITS = 5

_AT = {"at", "malpa", "malpka", "@"}
_CONNECTORS = {
    "dot": ".", "kropka": ".", "kropeczka": ".",
    "underscore": "_", "podkreslnik": "_", "podkreslenie": "_", "podloga": "_", "_": "_",
    "dash": "-", "hyphen": "-", "minus": "-", "myslnik": "-", "kreska": "-", "lacznik": "-", "-": "-",
    "plus": "+",
}
_TWO_WORD_CONNECTORS = {
    ("dolna", "kreska"): "_", ("dolny", "myslnik"): "_", ("dolne", "podkreslenie"): "_",
    ("dolny", "podkreslnik"): "_",
}
_DASHES = {"-", "–", "dash", "hyphen", "minus", "myslnik", "kreska", "lacznik"}
# Polish names of letters, as a recogniser writes a spelled address ("jot a en", "pe el").
_PL_LETTER_NAMES = {
    "be": "b", "ce": "c", "de": "d", "ef": "f", "gie": "g", "ha": "h", "jot": "j", "ka": "k",
    "el": "l", "em": "m", "en": "n", "pe": "p", "ku": "q", "er": "r", "es": "s", "te": "t",
    "fal": "v", "wu": "w", "iks": "x", "igrek": "y", "zet": "z",
}
_TLD_ALIASES = {"kom": "com"}  # Polish recognisers hear ".com" as "kom"

_WORD = re.compile(r"[a-z0-9](?:[a-z0-9._+-]*[a-z0-9])?")
_DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}")
_LOCAL = re.compile(r"[a-z0-9_%+-]+(?:\.[a-z0-9_%+-]+)*")
_UK_POSTCODE = re.compile(r"([A-Z]{1,2}\d[A-Z\d]?)(\d[A-Z]{2})")
_UK_PIECE = re.compile(r"[a-z]|\d|[a-z]{1,2}\d[a-z\d]?|\d[a-z]{2}")
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+")
_RUN_PUNCTUATION = {",", "."}
_SENTENCE_END = {".", "!", "?"}


@dataclass(frozen=True)
class _Token:
    text: str
    ws: str
    key: str  # folded: lower case, no diacritics
    is_stop: bool


def normalize_spoken(text: str, language: str) -> str:
    """The utterance with spoken identifiers written out; `language` is "pl" or "en"."""
    language = "en" if language == "en" else "pl"
    tokens = [_Token(t.text, t.whitespace_, fold(t.text), t.is_stop) for t in tokenizer(language)(text)]
    if not tokens:
        return text
    numbers = number_words(language)
    spans: dict[int, tuple[int, str]] = {}  # first token -> (last token, replacement)
    taken: set[int] = set()

    def claim(start: int, end: int, replacement: str) -> None:
        spans[start] = (end, replacement)
        taken.update(range(start, end + 1))

    for start, end, replacement in _emails(tokens, numbers, language):
        claim(start, end, replacement)
    if language == "en":
        for start, end, replacement in _uk_postcodes(tokens, numbers, taken):
            claim(start, end, replacement)
    for start, end, replacement in _number_runs(tokens, numbers, taken, language):
        claim(start, end, replacement)

    out: list[str] = []
    i = 0
    while i < len(tokens):
        if i in spans:
            end, replacement = spans[i]
            out.append(replacement + tokens[end].ws)
            i = end + 1
        else:
            out.append(tokens[i].text + tokens[i].ws)
            i += 1
    return "".join(out)


def spoken_digits(text: str, language: str) -> str | None:
    """The digits of an utterance that says nothing but digits ("one, two, eight" -> "128",
    "siedem cztery" -> "74"), else None."""
    digits = re.sub(r"[\s,.\-–]", "", words_to_digits(normalize_spoken(text, language), language))
    return digits if digits.isdigit() else None


# --- numbers -------------------------------------------------------------------------------------

@dataclass
class _Group:
    """One spoken group: a cardinal being built ("dwieście trzynaście"), or digits as written."""

    high: int = 0  # thousands
    low: int = 0  # below a thousand
    last: str = ""  # what was said last: unit, teen, tens, hundreds or thousands
    written: str | None = None  # digits written by the recogniser, or "44" for "double four"
    spelled: bool = False  # a single digit said on its own

    def digits(self) -> str:
        return self.written if self.written is not None else str(self.high + self.low)


def _groups(atoms: list[tuple[str, object]]) -> list[_Group]:
    """Spoken groups of a run: ("value", 48) ("mult", 100) ("digits", "48") ("repeat", "44") atoms."""
    groups: list[_Group] = []
    current: _Group | None = None
    for kind, value in atoms:
        if kind in ("digits", "repeat"):
            groups.append(_Group(written=value, spelled=kind == "repeat" or len(value) == 1))
            current = None
        elif kind == "mult":
            if current and value == 100 and current.last in ("unit", "teen", "tens") and 0 < current.low < 100:
                current.low *= 100
                current.last, current.spelled = "hundreds", False
            elif current and value == 1000 and current.high == 0 and 0 < current.low < 1000:
                current.high, current.low = current.low * 1000, 0
                current.last, current.spelled = "thousands", False
            else:
                current = _Group(high=value if value == 1000 else 0, low=value if value == 100 else 0,
                                 last="thousands" if value == 1000 else "hundreds")
                groups.append(current)
        else:
            kind_of = "unit" if value < 10 else "teen" if value < 20 else "tens" if value < 100 else "hundreds"
            joins = current is not None and (
                (kind_of == "unit" and value > 0 and current.last in ("tens", "hundreds", "thousands"))
                or (kind_of in ("teen", "tens") and current.last in ("hundreds", "thousands"))
                or (kind_of == "hundreds" and current.last == "thousands")
            )
            if joins:
                current.low += value
                current.last, current.spelled = kind_of, False
            else:
                current = _Group(low=value, last=kind_of, spelled=kind_of == "unit")
                groups.append(current)
    return groups


def _number_atom(token: _Token, numbers: NumberWords, language: str) -> tuple[str, object] | None:
    if token.text.isascii() and token.text.isdigit():
        return ("digits", token.text)
    if language == "en" and _THOUSANDS.fullmatch(token.text):  # Whisper writes "48,213"
        return ("digits", token.text.replace(",", ""))
    if token.key in numbers.spoken_values:
        return ("value", numbers.spoken_values[token.key])
    if token.key in numbers.multipliers:
        return ("mult", numbers.multipliers[token.key])
    if token.key in numbers.repeats:
        return ("repeat?", numbers.repeats[token.key])
    if token.key in numbers.letter_zeros:
        return ("zero?", 0)
    if language == "en" and token.key in ("a", "and"):
        return (token.key + "?", None)
    return None


def _resolve(tokens: list[_Token], numbers: NumberWords, taken: set[int], language: str) -> list:
    """Each token's number atom with the doubtful words decided by their neighbours, else None.

    "skip" marks words that belong to a run but add no digits ("and", the digit after "double").
    """
    n = len(tokens)
    raw = [None if i in taken else _number_atom(t, numbers, language) for i, t in enumerate(tokens)]
    kind = [atom[0] if atom else None for atom in raw]
    resolved: list = [atom if atom and not atom[0].endswith("?") else None for atom in raw]

    def is_digit_word(j: int) -> bool:
        return 0 <= j < n and (kind[j] == "zero?" or (kind[j] == "value" and raw[j][1] < 10))

    for i in range(n):
        if kind[i] == "a?" and i + 1 < n and kind[i + 1] == "mult":
            resolved[i] = ("value", 1)
        elif kind[i] == "repeat?" and is_digit_word(i + 1):
            resolved[i] = ("repeat", str(raw[i + 1][1]) * raw[i][1])
            resolved[i + 1] = ("skip", None)
        elif (resolved[i] == raw[i] and kind[i] == "value" and 2 <= raw[i][1] <= 9 and i + 2 < n
              and tokens[i + 1].key in numbers.times
              and is_digit_word(i + 2)):  # "dwa razy zero": 00
            resolved[i] = ("repeat", str(raw[i + 2][1]) * raw[i][1])
            resolved[i + 1] = resolved[i + 2] = ("skip", None)

    def neighbours(i: int) -> list[int]:
        found = []
        for step in (-1, 1):
            j = i + step
            while 0 <= j < n and (tokens[j].text in _RUN_PUNCTUATION or tokens[j].text.isspace()):
                j += step
            if 0 <= j < n:
                found.append(j)
        return found

    doubtful = [i for i in range(n) if kind[i] == "zero?" and resolved[i] is None]
    for i in list(doubtful):  # "Oh, four eight ..." is an interjection
        opens_sentence = i == 0 or tokens[i - 1].text in _SENTENCE_END
        if opens_sentence and i + 1 < n and tokens[i + 1].text in _RUN_PUNCTUATION | {"!", "?"}:
            doubtful.remove(i)
    changed = True
    while changed:
        changed = False
        for i in doubtful:
            if resolved[i] is None and any(resolved[j] is not None and resolved[j][0] != "skip"
                                           for j in neighbours(i)):
                resolved[i] = ("value", 0)
                changed = True

    for i in range(1, n - 1):  # "two hundred and five"
        if kind[i] == "and?" and kind[i - 1] == "mult" and resolved[i + 1] and resolved[i + 1][0] == "value" \
                and resolved[i + 1][1] < 100:
            resolved[i] = ("skip", None)
    return resolved


@dataclass
class _Run:
    start: int
    end: int
    groups: list[_Group]

    @property
    def digits(self) -> str:
        return "".join(group.digits() for group in self.groups)


def _runs(tokens: list[_Token], resolved: list) -> list[_Run]:
    n = len(tokens)
    runs: list[_Run] = []
    i = 0
    while i < n:
        if resolved[i] is None:
            i += 1
            continue
        start, end, atoms = i, i, []
        j = i
        while j < n:
            if resolved[j] is not None:
                if resolved[j][0] != "skip":
                    atoms.append(resolved[j])
                end = j
                j += 1
            elif j + 1 < n and resolved[j + 1] is not None and _joins_run(tokens, resolved, j):
                j += 1
            else:
                break
        runs.append(_Run(start, end, _groups(atoms)))
        i = end + 1
    return runs


def _joins_run(tokens: list[_Token], resolved: list, j: int) -> bool:
    """Punctuation between two number words that belongs to the run."""
    if tokens[j].text in _RUN_PUNCTUATION or tokens[j].text.isspace():
        return True
    # "forty-eight": a hyphen inside one word; between written digits ("00-950") it separates.
    return (tokens[j].text == "-" and not tokens[j - 1].ws and not tokens[j].ws
            and resolved[j - 1][0] != "digits" and resolved[j + 1][0] != "digits")


def _number_runs(tokens: list[_Token], numbers: NumberWords, taken: set[int], language: str):
    runs = _runs(tokens, _resolve(tokens, numbers, taken, language))
    paired: set[int] = set()  # indices of runs written as a Polish postcode
    for k in range(len(runs) - 1):
        first, second = runs[k], runs[k + 1]
        between = [i for i in range(first.end + 1, second.start) if not tokens[i].text.isspace()]
        if (k not in paired and len(between) == 1 and between[0] not in taken
                and tokens[between[0]].key in _DASHES and len(first.digits) == 2 and len(second.digits) == 3):
            postcode = f"{first.digits}-{second.digits}"
            if normalize_postcode(postcode):
                paired.update((k, k + 1))
                yield first.start, second.end, postcode
    for k, run in enumerate(runs):
        if k in paired:
            continue
        digits = run.digits
        spelled = all(group.spelled for group in run.groups)
        if len(digits) >= GROUPED_MIN_DIGITS or (spelled and len(digits) >= SPELLED_MIN_DIGITS):
            original = "".join(t.text + t.ws for t in tokens[run.start:run.end + 1]).rstrip()
            if digits != original:
                yield run.start, run.end, digits


# --- UK postcodes ------------------------------------------------------------------------------

def _uk_postcodes(tokens: list[_Token], numbers: NumberWords, taken: set[int]):
    def piece(i: int) -> str | None:
        if i in taken:
            return None
        value = numbers.spoken_values.get(tokens[i].key)
        if value is not None and value < 10:
            return str(value)
        return tokens[i].key if _UK_PIECE.fullmatch(tokens[i].key) else None

    pieces = [piece(i) for i in range(len(tokens))]
    i = 0
    while i < len(tokens):
        for end in range(min(len(tokens), i + 7) - 1, i, -1):
            window = pieces[i:end + 1]
            if None in window:
                continue
            match = _UK_POSTCODE.fullmatch("".join(window).upper())
            if match:
                yield i, end, f"{match.group(1)} {match.group(2)}"
                i = end
                break
        i += 1


# --- e-mail addresses ----------------------------------------------------------------------------

@dataclass(frozen=True)
class _Atom:
    kind: str  # at, conn, letter, digit, word, other
    start: int  # first and last token
    end: int
    value: object = None
    is_stop: bool = False


def _email_atoms(tokens: list[_Token], numbers: NumberWords, language: str) -> list[_Atom]:
    atoms: list[_Atom] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        key = token.key
        if token.text.isspace():  # spaCy's token for a newline or a second space: part of no atom
            i += 1
            continue
        pair = (key, tokens[i + 1].key) if i + 1 < len(tokens) else None
        if pair in _TWO_WORD_CONNECTORS:
            atoms.append(_Atom("conn", i, i + 1, _TWO_WORD_CONNECTORS[pair]))
            i += 2
            continue
        if pair and key in numbers.repeats:  # "bond double oh seven"
            digit = 0 if pair[1] in numbers.letter_zeros else numbers.spoken_values.get(pair[1])
            if digit is not None and digit < 10:
                atoms.append(_Atom("digit", i, i + 1, ("repeat", str(digit) * numbers.repeats[key])))
                i += 2
                continue
        if key in _AT:
            atom = _Atom("at", i, i)
        elif key in _CONNECTORS:
            atom = _Atom("conn", i, i, _CONNECTORS[key])
        elif key == "." and i > 0 and not tokens[i - 1].ws and not token.ws:  # spaCy splits "John.Miller"
            atom = _Atom("conn", i, i, ".")
        elif len(key) == 1 and key.isalpha():
            atom = _Atom("letter", i, i, key)
        elif token.text.isascii() and token.text.isdigit():
            atom = _Atom("digit", i, i, ("digits", token.text))
        elif key in numbers.spoken_values:
            atom = _Atom("digit", i, i, ("value", numbers.spoken_values[key]))
        elif key == "oh" and language == "en":
            atom = _Atom("digit", i, i, ("value", 0))
        elif language == "pl" and key in _PL_LETTER_NAMES:
            atom = _Atom("letter", i, i, _PL_LETTER_NAMES[key])
        elif _WORD.fullmatch(key) and any(ch.isalpha() for ch in key):
            atom = _Atom("word", i, i, key, token.is_stop)
        else:
            atom = _Atom("other", i, i)
        atoms.append(atom)
        i += 1
    return atoms


def _segment_text(atoms: list[_Atom]) -> str:
    parts: list[str] = []
    digits: list = []
    for atom in atoms + [_Atom("end", 0, 0)]:
        if atom.kind == "digit":
            digits.append(atom.value)
            continue
        if digits:
            parts.append("".join(group.digits() for group in _groups(digits)))
            digits = []
        if atom.kind in ("letter", "word"):
            parts.append(atom.value)
    return "".join(parts)


def _segment_forward(atoms: list[_Atom], j: int) -> int:
    """Index past the address part starting at atoms[j] (j itself when none starts there)."""
    if j >= len(atoms):
        return j
    if atoms[j].kind == "word":
        j += 1
        while j < len(atoms) and atoms[j].kind == "digit":
            j += 1
        return j
    while j < len(atoms) and atoms[j].kind in ("letter", "digit"):
        j += 1
    return j


def _segment_backward(atoms: list[_Atom], j: int) -> int:
    """Index of the first atom of the address part ending at atoms[j] (j + 1 when none ends there)."""
    k = j
    while k >= 0 and atoms[k].kind == "digit":
        k -= 1
    if k >= 0 and atoms[k].kind == "word":
        return k
    if k >= 0 and atoms[k].kind == "letter":
        while k >= 0 and atoms[k].kind in ("letter", "digit"):
            k -= 1
    return k + 1


def _domain(atoms: list[_Atom], start: int) -> tuple[int, str] | None:
    """The longest domain that starts at atoms[start]: (index of its last atom, text)."""
    best = None
    text, j = "", start
    while True:
        end = _segment_forward(atoms, j)
        if end == j:
            return best
        label = _segment_text(atoms[j:end])
        candidate = text + _TLD_ALIASES.get(label, label)
        if _DOMAIN.fullmatch(candidate):
            best = (end - 1, candidate)
        text += label
        if end < len(atoms) and atoms[end].kind == "conn" and atoms[end].value in (".", "-"):
            text += atoms[end].value
            j = end + 1
        else:
            return best


def _local_part(atoms: list[_Atom], at: int) -> tuple[int, str] | None:
    """The local part that ends just before atoms[at]: (index of its first atom, text)."""
    parts: list[str] = []
    first = None
    j = at - 1
    while j >= 0:
        start = _segment_backward(atoms, j)
        if start > j:
            break
        segment = atoms[start:j + 1]
        opens = start == 0 or atoms[start - 1].kind != "conn"
        if opens and len(segment) == 1 and segment[0].kind == "word" and segment[0].is_stop:
            break  # "it at amazon dot com": "it" is no address
        parts.insert(0, _segment_text(segment))
        first = start
        if start >= 2 and atoms[start - 1].kind == "conn" and _segment_backward(atoms, start - 2) <= start - 2:
            parts.insert(0, atoms[start - 1].value)
            j = start - 2
        else:
            break
    # a connector left at the front ("kropka jan") is dropped with the stop word before it
    while parts and parts[0] in ".-_+":
        parts.pop(0)
    local = "".join(parts)
    return (first, local) if local and _LOCAL.fullmatch(local) else None


def _emails(tokens: list[_Token], numbers: NumberWords, language: str):
    atoms = _email_atoms(tokens, numbers, language)
    last_end = -1
    for k, atom in enumerate(atoms):
        if atom.kind != "at" or k <= last_end:
            continue
        domain = _domain(atoms, k + 1)
        if domain is None:
            continue
        domain_end, domain_text = domain
        local = _local_part(atoms, k) if k > last_end + 1 else None
        if local is not None:
            local_start, local_text = local
            address = normalize_email(f"{local_text}@{domain_text}")
            if address:
                yield atoms[local_start].start, atoms[domain_end].end, address
                last_end = domain_end
                continue
        original = "".join(t.text + t.ws for t in tokens[atoms[k + 1].start:atoms[domain_end].end + 1]).rstrip()
        if original != domain_text:  # "I ordered it at amazon dot com": the domain alone
            yield atoms[k + 1].start, atoms[domain_end].end, domain_text
        last_end = domain_end
