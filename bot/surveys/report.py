"""The NPS report: NPS = % promoters (9-10) - % detractors (0-6), by week, language and product
category, with how the calls ended and the latest reasons; also as CSV rows."""

import csv
import io
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models.survey import Survey, SurveyState
from contracts.survey_result import SurveyOutcome, nps_group

LATEST_REASONS = 20
# A cell starting with one of these is a formula to Excel and LibreOffice (CSV injection): a
# customer's reason like "=HYPERLINK(...)" must stay text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = ["survey_id", "order_number", "language", "categories", "attempts", "outcome", "score", "group",
               "reason", "answered_via", "callback_requested", "ticket_id", "created_at", "finished_at"]


@dataclass
class NpsBucket:
    label: str
    promoters: int = 0
    passives: int = 0
    detractors: int = 0

    @property
    def responses(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def nps(self) -> int | None:
        if not self.responses:
            return None
        return round(100 * (self.promoters - self.detractors) / self.responses)

    def add(self, score: int) -> None:
        group = nps_group(score)
        setattr(self, f"{group}s", getattr(self, f"{group}s") + 1)

    def as_dict(self) -> dict:
        return {**asdict(self), "responses": self.responses, "nps": self.nps}


@dataclass
class Reason:
    score: int
    language: str
    order_number: str
    reason: str
    finished_at: datetime


@dataclass
class NpsReport:
    overall: NpsBucket
    by_week: list[NpsBucket]
    by_language: list[NpsBucket]
    by_category: list[NpsBucket]
    outcomes: dict[str, int]
    latest_reasons: list[Reason] = field(default_factory=list)

    @property
    def finished(self) -> int:
        return sum(self.outcomes.values())

    @property
    def completion_rate(self) -> float | None:
        """Finished surveys that ended with a score."""
        return self.outcomes.get(SurveyOutcome.COMPLETED.value, 0) / self.finished if self.finished else None

    def as_dict(self) -> dict:
        return {
            "nps": self.overall.nps, "responses": self.overall.responses, "overall": self.overall.as_dict(),
            "completion_rate": self.completion_rate, "outcomes": self.outcomes,
            "by_week": [b.as_dict() for b in self.by_week], "by_language": [b.as_dict() for b in self.by_language],
            "by_category": [b.as_dict() for b in self.by_category],
            "latest_reasons": [{**asdict(r), "finished_at": r.finished_at.isoformat()} for r in self.latest_reasons],
        }


# The report's periods, in days back from now; "all" reaches back to the first survey.
PERIODS = {"30": 30, "90": 90, "365": 365, "all": None}
PERIOD_PATTERN = "^(30|90|365|all)$"


def period_start(period: str, now: datetime) -> datetime | None:
    days = PERIODS[period]
    return now - timedelta(days=days) if days else None


def _finished_surveys(session: Session, since: datetime | None) -> list[Survey]:
    # The seeded demo history (`koliber seed --history`) is the dashboard's to show, never this report's.
    query = (select(Survey).where(Survey.state == SurveyState.FINISHED, Survey.demo.is_(False))
             .order_by(Survey.finished_at.desc(), Survey.id.desc()))
    if since is not None:
        query = query.where(Survey.finished_at >= since)
    return list(session.scalars(query))


def build_report(session: Session, time_zone: str, since: datetime | None = None) -> NpsReport:
    surveys = _finished_surveys(session, since)
    zone = ZoneInfo(time_zone)
    overall = NpsBucket("all")
    weeks: dict[str, NpsBucket] = {}
    languages: dict[str, NpsBucket] = defaultdict(lambda: NpsBucket(""))
    categories: dict[str, NpsBucket] = defaultdict(lambda: NpsBucket(""))
    reasons = []
    for survey in surveys:
        if survey.score is None:
            continue
        year, week, _ = survey.finished_at.astimezone(zone).isocalendar()
        label = f"{year}-W{week:02d}"
        for bucket in (overall, weeks.setdefault(label, NpsBucket(label)), languages[survey.language],
                       *(categories[category] for category in survey.categories)):
            bucket.add(survey.score)
        if survey.reason and len(reasons) < LATEST_REASONS:
            reasons.append(Reason(survey.score, survey.language, survey.order_number, survey.reason,
                                  survey.finished_at))
    for name, bucket in (*languages.items(), *categories.items()):
        bucket.label = name
    outcomes = Counter(survey.outcome.value for survey in surveys if survey.outcome is not None)
    return NpsReport(overall, sorted(weeks.values(), key=lambda b: b.label), sorted(languages.values(), key=lambda b: b.label),
                     sorted(categories.values(), key=lambda b: (-b.responses, b.label)), dict(outcomes), reasons)


def spreadsheet_text(value: object) -> object:
    """Text cells that a spreadsheet would run as a formula, quoted with a leading apostrophe."""
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def report_csv(session: Session, since: datetime | None = None) -> str:
    surveys = _finished_surveys(session, since)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for survey in surveys:
        writer.writerow(spreadsheet_text(cell) for cell in [
            survey.id, survey.order_number, survey.language, " ".join(survey.categories), survey.attempts,
            survey.outcome.value if survey.outcome else "", "" if survey.score is None else survey.score,
            nps_group(survey.score) if survey.score is not None else "", survey.reason or "",
            survey.answered_via or "", survey.callback_requested, survey.ticket_id or "",
            survey.created_at.isoformat(), survey.finished_at.isoformat() if survey.finished_at else ""])
    return out.getvalue()
