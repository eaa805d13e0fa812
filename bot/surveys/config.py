"""The survey calls' configuration (config/surveys.yml), read once at start."""

from datetime import time
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, field_validator

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class SurveyConfig(BaseModel):
    enabled: bool = True
    days_after_delivery: int = Field(3, ge=0)
    max_days_after_delivery: int = Field(21, ge=1)
    select_every_minutes: float = Field(15, gt=0)
    calling_hours: tuple[time, time] = (time(10), time(19))
    closed_weekdays: list[str] = ["sun"]
    holidays_country: str | None = "PL"
    default_time_zone: str = "Europe/Warsaw"
    country_time_zones: dict[str, str] = {"PL": "Europe/Warsaw", "DE": "Europe/Berlin", "CZ": "Europe/Prague",
                                          "GB": "Europe/London"}
    max_attempts: int = Field(3, ge=1)
    retry_after_minutes: list[float] = [120, 1440]
    # An attempt whose final status callback never came (the gateway was down) counts as failed.
    silent_call_minutes: float = Field(60, gt=0)
    after_last_voicemail: str = Field("sms", pattern="^(sms|none)$")
    review_link: str = ""
    speech_hints: dict[str, str] = {}
    caller_id: str = "+48221002030"
    do_not_call: list[str] = []

    @field_validator("closed_weekdays")
    @classmethod
    def _known_weekdays(cls, days: list[str]) -> list[str]:
        unknown = [day for day in days if day not in WEEKDAYS]
        if unknown:
            raise ValueError(f"unknown weekdays {unknown}; use {WEEKDAYS}")
        return days

    def retry_delay_minutes(self, attempts_made: int) -> float:
        """The wait after attempt number `attempts_made` (1-based); the last delay repeats."""
        delays = self.retry_after_minutes or [120]
        return delays[min(attempts_made, len(delays)) - 1]

    def time_zone_for(self, country: str | None) -> str:
        return self.country_time_zones.get((country or "").upper(), self.default_time_zone)


def load_survey_config(path: Path) -> SurveyConfig:
    return SurveyConfig.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
