"""What a survey call ended with, as the assistant reports it to the gateway.

The action server emits it as a custom JSON message, like the handoff signal; Koliber's engine
channel returns it as `{"recipient_id": ..., "custom": {"type": "survey_result", ...}}`.
"""

import enum
from dataclasses import asdict, dataclass
from typing import Any

SURVEY_RESULT_TYPE = "survey_result"
DETRACTOR_MAX = 6
PROMOTER_MIN = 9


class SurveyOutcome(str, enum.Enum):
    COMPLETED = "completed"
    REFUSED = "refused"  # "no" or "not now"
    OPTED_OUT = "opted_out"  # "don't call me again": never again
    INCOMPLETE = "incomplete"  # answered, but no score could be heard
    VOICEMAIL = "voicemail"
    NO_ANSWER = "no_answer"
    FAILED = "failed"


def nps_group(score: int) -> str:
    if score <= DETRACTOR_MAX:
        return "detractor"
    return "promoter" if score >= PROMOTER_MIN else "passive"


@dataclass(frozen=True)
class SurveyResult:
    outcome: SurveyOutcome
    language: str
    score: int | None = None
    reason: str | None = None
    callback_requested: bool = False

    def to_message(self) -> dict[str, Any]:
        return {"type": SURVEY_RESULT_TYPE, **asdict(self), "outcome": self.outcome.value}

    @classmethod
    def from_message(cls, payload: Any) -> "SurveyResult | None":
        if not isinstance(payload, dict) or payload.get("type") != SURVEY_RESULT_TYPE:
            return None
        score = payload.get("score")
        return cls(SurveyOutcome(payload["outcome"]), str(payload.get("language") or "pl"),
                   int(score) if score is not None else None, payload.get("reason") or None,
                   bool(payload.get("callback_requested")))
