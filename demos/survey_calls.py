"""NPS survey-call demo (`make survey-demo`): the gateway places survey calls to freshly
delivered demo orders through a local fake Twilio cloud (Twilio's wire format; the real cloud is
offline), the call simulator answers each one as a customer speaking espeak-ng audio over the
Media Streams socket, the real engine and action server hold the survey, and the NPS page shows
the results. It uses the embedded database, so `make run` shows the same results afterwards.

The clock is pinned to the latest calling slot (a weekday morning, Warsaw time) and moved on to
the retries of the customer whose calls reach voicemail. The fake cloud, the customer's phone and
the order rows are the tests' own (testing/fakes/, testing/shop_rows.py): the demo shows
exactly what the tests check.
"""

import argparse
import secrets
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.speech_engines import SpeechEngines, build_speech_engines
from bot.engine.address import EngineAddress
from bot.main import create_app
from bot.models.survey import Survey, SurveyCall
from bot.processes import engine_with_actions
from bot.settings import PROJECT_ROOT, Settings, get_settings
from bot.surveys.calling_rules import CallingRules
from bot.surveys.config import load_survey_config
from db.sessions import make_engine, session_factory, unit_of_work
from testing.clock import ManualClock
from testing.fakes.survey_phone import Answer, SurveyPhone
from testing.fakes.twilio_cloud import FakeTwilioCloud, PlacedCall, RunningFake
from testing.served import ServedApp
from testing.shop_rows import delivered_order

WARSAW = ZoneInfo("Europe/Warsaw")


@dataclass
class DemoCustomer:
    """A customer who answers what the survey asks: agrees (or not), gives a score, says why."""

    name: str
    language: str
    consent: str  # the reply to the intro: "yes", "not now", "don't call me again"...
    score: int | None = None
    says_score: str | None = None  # how they say it; None: typed on the keypad
    reason: str = ""
    wants_callback: bool = False
    category: str = "shoes"
    voicemail: bool = False  # an answering machine picks up every attempt
    keypad_when_misheard: bool = True  # asked again, they type the score


YES_NO = {"pl": ("Tak.", "Nie."), "en": ("Yes.", "No.")}
CALLBACK = {"pl": ("Tak, poproszę.", "Nie, dziękuję."), "en": ("Yes, please.", "No, thanks.")}

CUSTOMERS = [
    DemoCustomer("Ewa Nowak", "pl", "Tak, chętnie.", 9, "Dziewięć.", "Bardzo szybka dostawa i ładne opakowanie."),
    DemoCustomer("John Smith", "en", "Yes, sure.", 10, "Ten out of ten.", "Great prices and fast delivery.",
                 category="bags"),
    DemoCustomer("Piotr Zieliński", "pl", "Tak.", 7, None, "Kurier przyjechał dzień później."),
    DemoCustomer("Mary Jones", "en", "Yes.", 4, "Four.", "The box was crushed.", wants_callback=True,
                 category="bags"),
    DemoCustomer("Anna Wiśniewska", "pl", "Nie teraz, jestem zajęta."),
    DemoCustomer("Tom Brown", "en", "Please don't call me again."),
    DemoCustomer("Kasia Lewandowska", "pl", "", voicemail=True),
]


def latest_calling_slot(rules: CallingRules, today: datetime) -> datetime:
    """11:00 Warsaw time on the latest calling day up to `today`."""
    slot = today.astimezone(WARSAW).replace(hour=11, minute=0, second=0, microsecond=0)
    while not rules.may_call(slot, "Europe/Warsaw"):
        slot -= timedelta(days=1)
    return slot


@dataclass
class SurveyRig:
    """A gateway whose Twilio is the fake cloud, and the customers' phones."""

    gateway_url: str
    api_key: str
    cloud: FakeTwilioCloud
    phone: SurveyPhone
    clock: ManualClock
    sessions: sessionmaker[Session]
    engine: EngineAddress
    orders: dict[str, int] = field(default_factory=dict)  # phone number -> order id
    typed_score: set[str] = field(default_factory=set)  # calls on which the customer typed the score

    def add_customer(self, name: str, language: str, category: str = "shoes") -> str:
        number = f"+48{secrets.randbelow(10**9):09d}" if language == "pl" else f"+447{secrets.randbelow(10**9):09d}"
        with unit_of_work(self.sessions) as session:
            order = delivered_order(session, self.clock.now - timedelta(days=4), phone=number, language=language,
                                    country="PL" if language == "pl" else "GB", category=category,
                                    number=str(900000 + secrets.randbelow(100000)), full_name=name)
            self.orders[number] = order.number
        return number

    def run_round(self) -> list[PlacedCall]:
        """One survey round now; the calls it placed to this rig's customers. Anyone else called
        (the demo shop's own customers, say) does not pick up."""
        before = len(self.cloud.placed_calls)
        httpx.post(f"{self.gateway_url}/api/v1/surveys/round", headers={"Authorization": f"Bearer {self.api_key}"},
                   timeout=120).raise_for_status()
        placed = self.cloud.placed_calls[before:]
        for call in placed:
            if call.to not in self.orders:
                self.phone.post_as_twilio(call.status_callback, {"CallSid": call.sid, "CallStatus": "no-answer"})
        return [call for call in placed if call.to in self.orders]

    def survey_state(self, call_sid: str) -> dict:
        """The survey dialogue's slots on this call, from the engine's tracker."""
        with self.sessions() as session:
            conversation_id = session.scalar(select(SurveyCall.conversation_id).where(SurveyCall.call_sid == call_sid))
        with self.engine.client(timeout=30) as client:
            tracker = client.get(f"/conversations/{conversation_id}/tracker")
        tracker.raise_for_status()
        return tracker.json()["slots"]

    def answers_of(self, call: PlacedCall, customer: DemoCustomer, max_turns: int = 10) -> Iterator[Answer]:
        """What the customer says next, decided by what the survey asks for now."""
        yes, no = YES_NO[customer.language]
        score_asked = 0
        yield (customer.consent, customer.language)
        for _ in range(max_turns):
            slots = self.survey_state(call.sid)
            asked = slots.get("requested_slot")
            if asked == "nps_score":
                score_asked += 1
                if customer.says_score and (score_asked == 1 or not customer.keypad_when_misheard):
                    yield (customer.says_score, customer.language)
                else:
                    self.typed_score.add(call.sid)
                    yield f"{customer.score}#"
            elif asked == "nps_confirmation":
                yield (yes if slots.get("nps_candidate") == str(customer.score) else no, customer.language)
            elif asked == "nps_reason":
                yield (customer.reason, customer.language)
            elif asked == "survey_callback":
                yield (CALLBACK[customer.language][0 if customer.wants_callback else 1], customer.language)
            else:
                return

    def answer(self, call: PlacedCall, customer: DemoCustomer) -> None:
        """The customer's phone rings: they talk through the survey, or their voicemail picks up."""
        answered_by = "machine_end_beep" if customer.voicemail else "human"
        twiml = self.phone.pick_up(call, answered_by)
        if not customer.voicemail:
            self.phone.talk(call, twiml, self.answers_of(call, customer))
        self.phone.hang_up(call, answered_by, seconds=15 if customer.voicemail else 60)

    def survey_of(self, number: str) -> Survey:
        with self.sessions() as session:
            return session.scalar(select(Survey).where(Survey.order_number == self.orders[number]))


@contextmanager
def survey_rig(database_url: str, engine: EngineAddress, speech: SpeechEngines, clock: ManualClock,
               **settings: str) -> Iterator[SurveyRig]:
    cloud = FakeTwilioCloud("AC" + secrets.token_hex(16), secrets.token_hex(16))
    with ExitStack() as running:
        running.enter_context(RunningFake(cloud))
        gateway_settings = Settings(**{"KOLIBER_ENV": "development", "DATABASE_URL": database_url,
                                       "RASA_URL": engine.url, "KOLIBER_ENGINE_TOKEN": engine.token,
                                       "TWILIO_ACCOUNT_SID": cloud.account_sid, "TWILIO_AUTH_TOKEN": cloud.auth_token,
                                       "TWILIO_API_BASE_URL": cloud.base_url, "KOLIBER_SURVEY_SCHEDULER": "false",
                                       **settings})
        gateway = ServedApp(create_app(gateway_settings, clock=clock, speech=speech))
        gateway_settings.public_base_url = gateway.base_url
        running.enter_context(gateway)
        yield SurveyRig(gateway.base_url, gateway_settings.api_key, cloud,
                        SurveyPhone(cloud.auth_token, speech.synthesizer), clock,
                        session_factory(make_engine(database_url)), engine)


def call_everyone(rig: SurveyRig, customers: list[DemoCustomer]) -> dict[str, DemoCustomer]:
    """Adds the customers' orders and answers every survey call until none is left to place."""
    numbers = {rig.add_customer(c.name, c.language, c.category): c for c in customers}
    for _ in range(24 * 7):  # an hour at a time, for the retries' back-off, nights and Sundays
        for call in rig.run_round():
            customer = numbers[call.to]
            print(f"  calling {customer.name} ({customer.language}) at {rig.clock.now:%a %H:%M}: "
                  f"{'voicemail' if customer.voicemail else 'answered'}", flush=True)
            rig.answer(call, customer)
        if all(getattr(rig.survey_of(number), "outcome", None) for number in numbers):
            break
        rig.clock.now += timedelta(hours=1)
    return numbers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-wait", action="store_true", help="stop after the calls instead of serving the pages")
    args = parser.parse_args(argv)
    settings = get_settings()
    rules = CallingRules(load_survey_config(settings.surveys_config_path))
    clock = ManualClock(latest_calling_slot(rules, datetime.now(WARSAW)))
    print(f"loading speech models; the demo's clock says {clock.now:%A %Y-%m-%d %H:%M} (Warsaw)", flush=True)
    speech = build_speech_engines(settings)
    with engine_with_actions(PROJECT_ROOT / "var" / "survey-demo", settings.database_url,
                             PROJECT_ROOT / "models") as engine:
        with survey_rig(settings.database_url, engine, speech, clock,
                        KOLIBER_API_KEY=settings.api_key) as rig:
            numbers = call_everyone(rig, CUSTOMERS)
            print("\nresults:")
            for number, customer in numbers.items():
                survey = rig.survey_of(number)
                score = "-" if survey.score is None else survey.score
                print(f"  {customer.name:<20} {customer.language}  {survey.outcome.value:<10} score {score:<3} "
                      f"attempts {survey.attempts}  {survey.reason or ''}")
            for sms in rig.cloud.sent:
                print(f"  SMS to {sms.to}: {sms.body}")
            report = httpx.get(f"{rig.gateway_url}/api/v1/nps", params={"period": "all"},
                               headers={"Authorization": f"Bearer {rig.api_key}"}).json()
            print(f"\nNPS over all surveys in the database: {report['nps']}")
            if args.no_wait:
                return 0
            print(f"\nNPS page: {rig.gateway_url}/console/nps (log in as anna / {settings.demo_agent_password}); "
                  "Ctrl+C stops the demo.", flush=True)
            try:
                while True:
                    time.sleep(1)
            except KeyboardInterrupt:
                return 0


if __name__ == "__main__":
    sys.exit(main())
