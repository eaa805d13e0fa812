"""`koliber seed --history 30d`: a labelled demo history across channels and languages, written once,
that the NPS report, the review inbox and the dashboard's real numbers never see."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.analytics.query import Filters, load_dataset
from bot.models.conversation import Conversation
from bot.models.feedback import Rating
from bot.models.handoff import Ticket
from bot.models.notices import DelayNotice, NoticeState
from bot.models.survey import Survey
from bot.persistence.migrate import upgrade
from bot.surveys.report import build_report
from bot.trainer.review.inbox import InboxFilters, find_missed_messages
from db.base import utcnow
from db.sessions import make_engine, session_factory


def test_the_demo_history_is_written_once_labelled_and_kept_apart(tmp_path, koliber, capsys):
    url = f"sqlite:///{tmp_path / 'history.db'}"
    upgrade(url)
    assert koliber("seed", "--history", "30d", DATABASE_URL=url) == 0
    assert "demo history of 30 days" in capsys.readouterr().out
    sessions = session_factory(make_engine(url))

    def counts():
        with sessions() as session:
            return [session.scalar(select(func.count()).select_from(table))
                    for table in (Conversation, Ticket, Rating, Survey, DelayNotice)]

    written = counts()
    assert koliber("seed", "--history", "30d", DATABASE_URL=url) == 0
    assert "demo history already seeded" in capsys.readouterr().out
    assert counts() == written  # nothing doubled
    with pytest.raises(SystemExit):
        koliber("seed", "--history", "forever", DATABASE_URL=url)
    assert "a number of days" in capsys.readouterr().err

    with sessions() as session:
        conversations = session.scalars(select(Conversation)).all()
        assert len(conversations) > 300 and all(c.demo for c in conversations)
        assert {c.language for c in conversations} == {"pl", "en"}
        assert len({c.channel for c in conversations}) >= 6
        assert all(s.demo for s in session.scalars(select(Survey)))
        assert written[1:] > [50, 100, 50, 3]  # tickets, ratings, surveys, notices
        assert session.scalar(select(func.count()).select_from(DelayNotice)
                              .where(DelayNotice.state == NoticeState.SENT)) == written[4]

        now = utcnow()
        real = load_dataset(session, Filters(now - timedelta(days=30), now), 0.4)
        demo = load_dataset(session, Filters(now - timedelta(days=30), now, demo=True), 0.4)
        assert (len(real.conversations), len(real.ratings), len(real.surveys), real.notices) == (0, 0, 0, [])
        assert len(demo.conversations) > 300 and demo.surveys and demo.notices and len(demo.shipped) > 300
        assert build_report(session, "Europe/Warsaw", None).overall.responses == 0  # the NPS page: real calls only
        assert find_missed_messages(session, InboxFilters(), 0.4, []) == []  # nothing for trainers to label
