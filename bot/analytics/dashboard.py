"""The dashboard's report: every metric of bot.analytics.definitions over one dataset, as the JSON the
API returns, the page shows and the CSV export flattens (one row per number)."""

import csv
import io
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from bot.analytics import definitions as d
from bot.analytics.query import Dataset, Filters

REVIEW_INBOX = "/console/review"
CSV_COLUMNS = ("metric", "key", "value")
# A cell starting with one of these is a formula to a spreadsheet (CSV injection); customers' phrases stay text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def review_url(intent: str | None, filters: Filters, zone: ZoneInfo, language: str | None = None) -> str:
    """The review inbox, filtered to what the dashboard row counted (its intent, language, channel, dates)."""
    query = {"intent": intent or "", "language": language or filters.language or "", "channel": filters.channel or "",
             "since": filters.since.astimezone(zone).date().isoformat(),
             "until": (filters.until.astimezone(zone) - timedelta(seconds=1)).date().isoformat()}
    return f"{REVIEW_INBOX}?{urlencode({key: value for key, value in query.items() if value})}"


def _share(share: d.Share, name: str) -> dict[str, Any]:
    return {name: share.count, "conversations": share.total, "rate_pct": share.pct}


def _counts(pairs: list[tuple[str, int]], key: str) -> list[dict[str, Any]]:
    return [{key: name, "count": count} for name, count in pairs]


def _wismo(period: d.WismoPeriod | None) -> dict[str, Any] | None:
    if period is None:
        return None
    return {"start": period.start.isoformat(), "end": period.end.isoformat(), "shipped": period.shipped,
            "wismo_contacts": period.contacts, "wismo_per_100": period.contacts_per_100, "notices": period.notices,
            "notices_per_100": period.notices_per_100}


def build_report(data: Dataset, filters: Filters, now: datetime, target_seconds: int, opening_hours: d.OpeningHours,
                 confidence_threshold: float, zone: ZoneInfo = d.WARSAW) -> dict[str, Any]:
    conversations = data.conversations
    tickets = [ticket for c in conversations for ticket in c.tickets]
    csat = d.csat(data.ratings)
    overall_nps = d.nps(s.score for s in data.surveys)
    overall_times, per_agent = d.agent_times(tickets)
    queue = d.queue_stats(tickets, now, target_seconds, opening_hours, zone)
    volume = d.volume(conversations, zone)
    missed = d.fallbacks(data.fallback_candidates, confidence_threshold)
    before, after = d.wismo_before_after(filters.since, filters.until, data.first_notice_at, data.shipped,
                                         conversations, data.notices)
    return {
        "filters": {"since": filters.since.astimezone(zone).date().isoformat(),
                    "until": (filters.until.astimezone(zone) - timedelta(seconds=1)).date().isoformat(),
                    "channel": filters.channel, "language": filters.language, "demo": filters.demo},
        "conversations": len(conversations),
        "containment": _share(d.containment(conversations, data.everything), "contained"),
        "first_contact_resolution": _share(d.first_contact_resolution(conversations, data.everything), "resolved"),
        "handoff": {**_share(d.handoff_rate(conversations), "handed_off"),
                    "reasons": _counts(d.handoff_reasons(conversations), "reason")},
        "csat": {"asked": csat.asked, "responses": csat.responses, "response_pct": csat.response_pct,
                 "average": csat.average, "satisfied_pct": csat.satisfied_pct,
                 "distribution": [{"score": score, "count": count} for score, count in csat.distribution.items()]},
        "nps": {"nps": overall_nps.score, "responses": overall_nps.responses, "promoters": overall_nps.promoters,
                "passives": overall_nps.passives, "detractors": overall_nps.detractors,
                "by_week": [{"week": week.isoformat(), "nps": result.score, "responses": result.responses}
                            for week, result in d.nps_by_week(data.surveys, zone)]},
        "agents": {"tickets": overall_times.tickets, "first_response_median_s": overall_times.first_response_median,
                   "handle_median_s": overall_times.handle_median,
                   "by_agent": [{"agent": a.agent, "tickets": a.tickets, "first_response_median_s":
                                 a.first_response_median, "handle_median_s": a.handle_median} for a in per_agent]},
        "queue": {"live_tickets": queue.live_tickets, "answered": queue.answered, "abandoned": queue.abandoned,
                  "abandonment_pct": queue.abandonment_pct, "wait_median_s": queue.wait_median,
                  "wait_average_s": queue.wait_average, "service_level_pct": queue.service_level_pct,
                  "answered_within_target": queue.within_target, "service_level_target_s": queue.target_seconds},
        "volume": {"by_channel": _counts(volume.by_channel, "channel"),
                   "by_language": _counts(volume.by_language, "language"),
                   "by_intent": _counts(volume.by_intent, "intent"),
                   "by_hour_of_week": volume.by_hour_of_week},
        "fallbacks": {"messages": missed.messages,
                      "by_intent": [{"intent": intent, "count": count, "review_url": review_url(intent, filters, zone)}
                                    for intent, count in missed.by_intent],
                      "phrases": [{"text": p.text, "count": p.count, "intent": p.intent, "language": p.language,
                                   "review_url": review_url(p.intent, filters, zone, p.language)}
                                  for p in missed.phrases]},
        "delay_notices": {"sent": len(data.notices),
                          "by_cause": _counts(d.counted(n.cause for n in data.notices), "cause"),
                          "first_sent_at": data.first_notice_at.isoformat() if data.first_notice_at else None,
                          "before": _wismo(before), "after": _wismo(after)},
    }


def _safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def report_rows(report: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """The report as (metric, key, value) rows: a number per row, lists keyed by their label."""
    rows: list[tuple[str, str, Any]] = []
    for name, value in report["filters"].items():
        rows.append(("filter", name, value))
    rows.append(("conversations", "", report["conversations"]))
    for section in ("containment", "first_contact_resolution", "handoff", "csat", "nps", "agents", "queue",
                    "fallbacks", "delay_notices"):
        for key, value in report[section].items():
            if isinstance(value, dict):
                rows += [(f"{section}.{key}", inner, v) for inner, v in value.items()]
            elif isinstance(value, list):
                rows += _list_rows(f"{section}.{key}", value)
            else:
                rows.append((section, key, value))
    for key in ("by_channel", "by_language", "by_intent"):
        rows += _list_rows(f"volume.{key}", report["volume"][key])
    for day, hours in zip(WEEKDAYS, report["volume"]["by_hour_of_week"]):
        rows += [("volume.by_hour_of_week", f"{day} {hour:02d}", count) for hour, count in enumerate(hours)]
    return rows


def _list_rows(metric: str, items: list[dict[str, Any]]) -> list[tuple[str, str, Any]]:
    rows = []
    for item in items:
        label_key, *value_keys = [k for k in item if k != "review_url"]
        label = str(item[label_key])
        rows += [(f"{metric}.{key}", label, item[key]) for key in value_keys]
    return rows


def report_csv(report: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for metric, key, value in report_rows(report):
        writer.writerow([metric, _safe(key), _safe(value)])
    return out.getvalue()


def day_bounds(since: date, until: date, zone: ZoneInfo = d.WARSAW) -> tuple[datetime, datetime]:
    """Local calendar days, both inclusive, as a UTC-aware [start, end) range."""
    start = datetime.combine(since, datetime.min.time(), tzinfo=zone)
    end = datetime.combine(until + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    return start, end
