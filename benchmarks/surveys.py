"""NPS survey benchmarks: how often a 0-10 score is read right from customers' answers (typed
text in Polish and English; English also spoken by espeak-ng, sent through the 8 kHz phone line
and recognised by Whisper), and how many whole simulated survey calls finish with the right
score (completion rate).

Run alone with `python -m benchmarks.surveys <engine_url> <database_url>`; `make bench` runs it
with the rest.
"""

import asyncio
import time
import uuid
from datetime import datetime, timedelta
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import httpx
import yaml
from sqlalchemy import select

from benchmarks.voice import _padded, phone_round_trip, transcribe
from bot.settings import PROJECT_ROOT
from bot.text.scores import read_score

ANSWERS = PROJECT_ROOT / "tests" / "data" / "spoken_scores.yml"
# A Tuesday morning far from the demo shop's own deliveries: only the benchmark's orders are due.
SURVEY_DAY = datetime(2027, 6, 15, 11, 0, tzinfo=ZoneInfo("Europe/Warsaw"))


def load_answers() -> dict[str, list[tuple[str, int | None]]]:
    raw = yaml.safe_load(ANSWERS.read_text(encoding="utf-8"))
    return {language: [(row["text"], row["score"]) for row in rows] for language, rows in raw.items()}


def text_accuracy(answers: list[tuple[str, int | None]], language: str) -> dict:
    right = certain_wrong = 0
    for text, expected in answers:
        reading = read_score(text, language)
        got = reading.score if reading else None
        right += got == expected
        certain_wrong += bool(reading and reading.certain and got != expected)
    return {"answers": len(answers), "accuracy": round(right / len(answers), 3), "certain_but_wrong": certain_wrong}


def spoken_accuracy(recognizer, synthesizer, answers: list[tuple[str, int | None]]) -> dict:
    """English answers with a score, spoken, phoned and recognised, then read."""
    right, misses = 0, []
    scored = [(text, score) for text, score in answers if score is not None and "#" not in text]
    for text, expected in scored:
        pcm = _padded(phone_round_trip(synthesizer.synthesize(text, "en"), synthesizer.sample_rate,
                                       recognizer.sample_rate), recognizer.sample_rate)
        heard = transcribe(recognizer, pcm, "en")
        reading = read_score(heard, "en")
        if reading and reading.score == expected:
            right += 1
        else:
            misses.append({"said": text, "heard": heard, "read": reading.score if reading else None})
    return {"answers": len(scored), "accuracy": round(right / len(scored), 3), "misses": misses[:10]}


def completion_rate(engine_url: str, database_url: str, recognizer, synthesizer, answers, calls: int) -> dict:
    """Whole survey calls, placed at the fake Twilio cloud and answered by the call simulator."""
    from twilio.request_validator import RequestValidator

    from bot.channels.speech_engines import SpeechEngines
    from bot.main import create_app
    from bot.persistence.database import make_engine, session_factory, unit_of_work
    from bot.settings import Settings
    from bot.surveys.models import Survey
    from tests.bot.surveys.shop_rows import delivered_order
    from tests.fakes.twilio_cloud import FakeTwilioCloud, RunningFake
    from tests.served import ServedApp
    from voice.simulator import CallSimulator

    token, sid = "bench-token", "AC" + "2" * 32
    cloud = FakeTwilioCloud(sid, token)
    sessions = session_factory(make_engine(database_url))
    scored = [(text, score) for text, score in answers if score is not None and "#" not in text][:calls]
    phones = {}
    with unit_of_work(sessions) as session:
        for text, score in scored:
            phone = f"+4479{uuid.uuid4().int % 10**8:08d}"
            order = delivered_order(session, SURVEY_DAY - timedelta(days=4), phone=phone, language="en")
            phones[phone] = (order.id, text, score)
    results = []
    with RunningFake(cloud):
        settings = Settings(**{"DATABASE_URL": database_url, "RASA_URL": engine_url, "TWILIO_ACCOUNT_SID": sid,
                               "TWILIO_AUTH_TOKEN": token, "TWILIO_API_BASE_URL": cloud.base_url,
                               "KOLIBER_CALL_SILENCE_SECONDS": "30"})
        server = ServedApp(create_app(settings, clock=lambda: SURVEY_DAY, speech=SpeechEngines(recognizer, synthesizer)))
        settings.public_base_url = server.base_url
        with server:
            httpx.post(f"{server.base_url}/api/v1/surveys/round",
                       headers={"Authorization": f"Bearer {settings.api_key}"}, timeout=120).raise_for_status()
            for call in [c for c in cloud.placed_calls if c.to in phones]:
                params = {"CallSid": call.sid, "AnsweredBy": "human", "To": call.to}
                signature = RequestValidator(token).compute_signature(call.url, params)
                twiml = ElementTree.fromstring(httpx.post(call.url, data=params,
                                                          headers={"X-Twilio-Signature": signature}).text)
                stream = twiml.find("./Connect/Stream")
                parameters = {p.get("name"): p.get("value") for p in stream.findall("Parameter")}
                url = stream.get("url")
                headers = {"X-Twilio-Signature": RequestValidator(token).compute_signature(url, {})}
                _, text, _ = phones[call.to]

                async def talk() -> None:
                    async with CallSimulator(url, synthesizer=synthesizer, headers=headers, call_sid=call.sid,
                                             parameters=parameters) as phone:
                        await phone.listen()
                        for line in ("Yes, sure.", text, "The delivery was fast."):
                            if phone.ended_by_bot:
                                break
                            await phone.say(line, "en")
                        if not phone.ended_by_bot:
                            await phone.listen(timeout=15)

                started = time.perf_counter()
                asyncio.run(talk())
                results.append((call.to, time.perf_counter() - started))
    with sessions() as session:
        outcomes = []
        for phone, _ in results:
            order_id, _, expected = phones[phone]
            survey = session.scalar(select(Survey).where(Survey.order_id == order_id))
            outcomes.append((survey.outcome.value if survey.outcome else survey.state.value, survey.score, expected))
    completed = sum(outcome == "completed" for outcome, _, _ in outcomes)
    right = sum(outcome == "completed" and score == expected for outcome, score, expected in outcomes)
    return {"calls": len(outcomes), "completed": completed, "completion_rate": round(completed / len(outcomes), 3),
            "right_score": right, "mean_call_seconds": round(sum(s for _, s in results) / len(results), 1)}


def measure_surveys(engine_url: str, database_url: str, calls: int = 8) -> dict:
    from voice.stt.models import prepare_whisper_base
    from voice.stt.whisper_recognizer import WhisperRecognizer
    from voice.tts.espeak import EspeakSynthesizer

    answers = load_answers()
    whisper = WhisperRecognizer(prepare_whisper_base(PROJECT_ROOT / "var" / "models" / "whisper-base"))
    synthesizer = EspeakSynthesizer()
    return {
        "text": {language: text_accuracy(rows, language) for language, rows in answers.items()},
        "spoken_en_whisper": spoken_accuracy(whisper, synthesizer, answers["en"]),
        "calls_en_whisper": completion_rate(engine_url, database_url, whisper, synthesizer, answers["en"], calls),
    }


def markdown(surveys: dict) -> list[str]:
    lines = ["", "## NPS survey calls", "", "| measure | result |", "|---|---|"]
    for language, row in surveys["text"].items():
        lines.append(f"| score read from typed/transcribed answers, {language.upper()} ({row['answers']}) | "
                     f"{row['accuracy']:.3f} ({row['certain_but_wrong']} wrong without confirmation) |")
    spoken = surveys["spoken_en_whisper"]
    lines.append(f"| score read from spoken EN answers, espeak → 8 kHz → Whisper ({spoken['answers']}) | {spoken['accuracy']:.3f} |")
    calls = surveys["calls_en_whisper"]
    lines.append(f"| whole EN survey calls completed ({calls['calls']}, Whisper) | {calls['completion_rate']:.3f} "
                 f"({calls['right_score']} with the right score; {calls['mean_call_seconds']} s per call) |")
    return lines


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(measure_surveys(sys.argv[1], sys.argv[2]), indent=2))
