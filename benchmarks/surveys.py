"""NPS survey benchmarks: how often a 0-10 score is read right from customers' answers (typed
text in Polish and English; English also spoken by espeak-ng, sent through the 8 kHz phone line
and recognised by Whisper), and how many whole simulated survey calls finish with the right
score (completion rate).

Run alone with `python -m benchmarks.surveys <engine_url> <database_url>`; `make bench` runs it
with the rest.
"""

import time
from datetime import datetime
from zoneinfo import ZoneInfo

import yaml

from benchmarks.voice import _padded, phone_round_trip, transcribe
from bot.settings import PROJECT_ROOT
from bot.surveys.config import load_survey_config
from text.scores import read_score

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


def spoken_accuracy(recognizer, synthesizer, answers: list[tuple[str, int | None]], language: str,
                    hint: str | None) -> dict:
    """Answers with a score, spoken by espeak-ng, sent through the 8 kHz phone line, recognised
    (primed with the survey's speech hint, or not), then read."""
    right, misses = 0, []
    scored = [(text, score) for text, score in answers if score is not None and "#" not in text]
    for text, expected in scored:
        pcm = _padded(phone_round_trip(synthesizer.synthesize(text, language), synthesizer.sample_rate,
                                       recognizer.sample_rate), recognizer.sample_rate)
        heard = transcribe(recognizer, pcm, language, hint)
        reading = read_score(heard, language)
        if reading and reading.score == expected:
            right += 1
        else:
            misses.append({"said": text, "heard": heard, "read": reading.score if reading else None})
    return {"answers": len(scored), "accuracy": round(right / len(scored), 3), "misses": misses[:10]}


CONSENT = {"pl": "Tak, proszę.", "en": "Yes, sure."}
REASON = {"pl": "Dostawa była szybka.", "en": "The delivery was fast."}


def completion_rate(engine, database_url: str, speech, answers, language: str, calls: int) -> dict:
    """Whole survey calls, placed at the fake Twilio cloud and answered by the call simulator:
    a cooperative customer says the score, and types it when asked again (as the bot suggests)."""
    from demos.survey_calls import DemoCustomer, survey_rig
    from testing.clock import ManualClock

    scored = [(text, score) for text, score in answers if score is not None and "#" not in text][:calls]
    outcomes, seconds = [], []
    with survey_rig(database_url, engine, speech, ManualClock(SURVEY_DAY),
                    KOLIBER_CALL_SILENCE_SECONDS="30") as rig:
        customers = {rig.add_customer("Benchmark Customer", language): DemoCustomer(
            "Benchmark Customer", language, CONSENT[language], score, text, REASON[language]) for text, score in scored}
        for call in rig.run_round():
            customer = customers[call.to]
            started = time.perf_counter()
            rig.answer(call, customer)
            seconds.append(time.perf_counter() - started)
            survey = rig.survey_of(call.to)
            spoken = call.sid not in rig.typed_score
            outcomes.append((survey.outcome.value if survey.outcome else survey.state.value, survey.score,
                             customer.score, spoken))
    completed = sum(outcome == "completed" for outcome, *_ in outcomes)
    right = sum(outcome == "completed" and score == expected for outcome, score, expected, _ in outcomes)
    return {"calls": len(outcomes), "completed": completed, "completion_rate": round(completed / len(outcomes), 3),
            "right_score": right, "right_score_from_speech": sum(
                outcome == "completed" and score == expected and spoken for outcome, score, expected, spoken in outcomes),
            "mean_call_seconds": round(sum(seconds) / len(seconds), 1)}


def measure_surveys(engine, database_url: str, calls: int = 6) -> dict:
    from bot.channels.speech_engines import SpeechEngines
    from voice.stt.models import prepare_whisper_base
    from voice.stt.whisper_recognizer import WhisperRecognizer
    from voice.tts.espeak import EspeakSynthesizer

    answers = load_answers()
    hints = load_survey_config(PROJECT_ROOT / "config" / "surveys.yml").speech_hints
    whisper = WhisperRecognizer(prepare_whisper_base(PROJECT_ROOT / "var" / "models" / "whisper-base"))
    synthesizer = EspeakSynthesizer()
    return {
        "text": {language: text_accuracy(rows, language) for language, rows in answers.items()},
        "spoken_whisper": {language: spoken_accuracy(whisper, synthesizer, rows, language, hints.get(language))
                           for language, rows in answers.items()},
        "spoken_whisper_without_hint": {language: spoken_accuracy(whisper, synthesizer, rows, language, None)
                                        for language, rows in answers.items()},
        "calls_whisper": {language: completion_rate(engine, database_url, SpeechEngines(whisper, synthesizer),
                                                    rows, language, calls) for language, rows in answers.items()},
    }


def markdown(surveys: dict) -> list[str]:
    lines = ["", "## NPS survey calls", "", "| measure | result |", "|---|---|"]
    for language, row in surveys["text"].items():
        lines.append(f"| score read from typed/transcribed answers, {language.upper()} ({row['answers']}) | "
                     f"{row['accuracy']:.3f} ({row['certain_but_wrong']} wrong without confirmation) |")
    for language, spoken in surveys["spoken_whisper"].items():
        unprimed = surveys["spoken_whisper_without_hint"][language]
        lines.append(f"| score read from spoken {language.upper()} answers, espeak → 8 kHz → Whisper base "
                     f"({spoken['answers']}) | {spoken['accuracy']:.3f} with the survey's speech hint, "
                     f"{unprimed['accuracy']:.3f} without |")
    for language, calls in surveys["calls_whisper"].items():
        lines.append(f"| whole {language.upper()} survey calls completed ({calls['calls']}, Whisper base; the score "
                     f"typed when asked again) | {calls['completion_rate']:.3f} ({calls['right_score']} with the right "
                     f"score, {calls['right_score_from_speech']} of them from speech; {calls['mean_call_seconds']} s "
                     f"per call) |")
    return lines


if __name__ == "__main__":
    import json
    import sys

    from bot.engine.address import EngineAddress
    from bot.settings import get_settings

    engine = EngineAddress(sys.argv[1], get_settings().engine_token)
    print(json.dumps(measure_surveys(engine, sys.argv[2]), indent=2))
