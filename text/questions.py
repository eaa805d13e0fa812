"""One written message that asks several things ("Where is order 48213? And can I still return
the boots?"), cut into the parts the assistant answers one by one: its paragraphs, a short one
(a greeting, "Hello,") kept with the paragraph after it."""

import re

PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
# A paragraph this short asks nothing by itself: "Dzień dobry,", "Hello Anna,".
SHORTEST_QUESTION_WORDS = 4


def questions(text: str, most: int = 3) -> list[str]:
    """The message's parts, at most `most` (the rest stays with the last); one part when it has one paragraph."""
    parts: list[str] = []
    carried = ""
    for paragraph in (p.strip() for p in PARAGRAPH_BREAK.split(text)):
        if not paragraph:
            continue
        paragraph = f"{carried}\n{paragraph}".strip()
        if len(paragraph.split()) < SHORTEST_QUESTION_WORDS:
            carried = paragraph
            continue
        parts.append(paragraph)
        carried = ""
    if carried:
        if parts:
            parts[-1] = f"{parts[-1]}\n{carried}"
        else:
            parts.append(carried)
    if len(parts) > most:
        parts = [*parts[:most - 1], "\n\n".join(parts[most - 1:])]
    return parts or [text]
