"""Voice benchmarks: recognition accuracy and cost, and how long a caller waits for an answer.

- Word error rate of each recogniser available offline on ../shared/benchmarks/speech-en (real
  recordings) and on espeak-ng speech, both after the phone round trip (16 kHz -> 8 kHz mu-law
  -> 16 kHz). Vosk has only the Korean model offline, so its English WER is not meaningful and
  only its cost is measured.
- Real-time factor (processing time / audio time) and how many calls each recogniser keeps up
  with at once on this machine: K streams transcribed in parallel threads, sustained while the
  wall time stays under the audio's length.
- Voice turn latency through the call simulator, the gateway's Pipecat pipeline, the real engine
  and espeak, English and Polish callers: from the caller's last frame to the bot's first frame
  (client side), split by the call's own timings into endpointing (Silero + Smart Turn),
  recognition, dialogue and synthesis.
- Whole calls at once (1, 4, 8 simultaneous callers, each with its own pipeline, Whisper and the
  engine shared): the same latency, to see where the 2 cores stop keeping up.
"""

import asyncio
import audioop  # mu-law as Twilio and Pipecat's serializer do it
import json
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from voice.call import CallSettings
from voice.simulator import read_wav, resample_pcm16
from voice.stt.base import SpeechRecognizer

SPEECH_EN = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "speech-en"
# Our own sentences for the espeak set: what callers to a shop say.
ESPEAK_SENTENCES = [
    "where is my order", "I want to return these shoes", "how long does shipping to Germany take",
    "my parcel has not arrived yet", "I would like to speak to a person", "can I change my delivery address",
    "the payment failed but the money was taken", "please cancel my order", "when will I get my refund",
    "do you ship to the United Kingdom", "thank you very much goodbye", "I need an invoice for my company",
]
CAPACITY_STEPS = (1, 2, 4, 8)
CONCURRENT_CALLS = (1, 4, 8)
# The goal for a voice turn on these 2 cores.
GOAL_P50_MS, GOAL_P95_MS = 700, 1200


def words(text: str) -> list[str]:
    return re.sub(r"[^\w\s']", " ", text.lower()).split()


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """Edit distance in words, and the reference's length."""
    ref, hyp = words(reference), words(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, start=1):
        previous, row[0] = row[0], i
        for j, h in enumerate(hyp, start=1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (r != h))
    return row[len(hyp)], len(ref)


def phone_round_trip(pcm: bytes, rate: int, target_rate: int) -> bytes:
    narrow = resample_pcm16(pcm, rate, 8000) if rate != 8000 else pcm
    return resample_pcm16(audioop.ulaw2lin(audioop.lin2ulaw(narrow, 2), 2), 8000, target_rate)


def _padded(pcm: bytes, rate: int) -> bytes:
    """Half a second of line noise before, two seconds after: the recogniser needs to hear the end."""
    noise = np.random.default_rng(3).normal(0, 30, rate).clip(-32768, 32767).astype("<i2").tobytes()
    return noise[: rate] + pcm + noise + noise


def transcribe(recognizer: SpeechRecognizer, pcm: bytes, language: str, hint: str | None = None) -> str:
    """Whisper: the clip as one segment; Vosk: streamed in 20 ms chunks, as a call feeds it."""
    if hasattr(recognizer, "transcribe"):
        piece = recognizer.transcribe(pcm, language, hint)
        return piece.text if piece else ""
    stream = recognizer.open_stream(language)
    chunk = recognizer.sample_rate * 2 // 50
    finals = [final for start in range(0, len(pcm), chunk) if (final := stream.accept(pcm[start:start + chunk])[1])]
    finals += [final] if (final := stream.finish()) else []
    return " ".join(piece.text for piece in finals)


def speech_en_clips(rate: int) -> list[tuple[bytes, str]]:
    clips = []
    for line in (SPEECH_EN / "transcripts.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        pcm, clip_rate = read_wav(SPEECH_EN / row["audio"])
        clips.append((_padded(phone_round_trip(pcm, clip_rate, rate), rate), row["text"]))
    return clips


def espeak_clips(synthesizer, rate: int) -> list[tuple[bytes, str]]:
    return [(_padded(phone_round_trip(synthesizer.synthesize(text, "en"), synthesizer.sample_rate, rate), rate), text)
            for text in ESPEAK_SENTENCES]


def accuracy(recognizer: SpeechRecognizer, clips: list[tuple[bytes, str]]) -> dict:
    errors = total = 0
    audio_s = busy_s = 0.0
    for pcm, reference in clips:
        start = time.perf_counter()
        hypothesis = transcribe(recognizer, pcm, "en")
        busy_s += time.perf_counter() - start
        audio_s += len(pcm) / (2 * recognizer.sample_rate)
        wrong, count = word_errors(reference, hypothesis)
        errors, total = errors + wrong, total + count
    return {"clips": len(clips), "words": total, "wer": round(errors / total, 3), "rtf": round(busy_s / audio_s, 3)}


def capacity(recognizer: SpeechRecognizer, clips: list[tuple[bytes, str]]) -> dict:
    """The most streams transcribed at once that still keep up with real time."""
    audio = b"".join(pcm for pcm, _ in clips[:4])
    seconds = len(audio) / (2 * recognizer.sample_rate)
    results = {}
    for streams in CAPACITY_STEPS:
        start = time.perf_counter()
        with ThreadPoolExecutor(streams) as pool:
            list(pool.map(lambda _: transcribe(recognizer, audio, "en"), range(streams)))
        results[streams] = round((time.perf_counter() - start) / seconds, 2)
    sustained = max((k for k, load in results.items() if load < 1.0), default=0)
    return {"audio_seconds": round(seconds, 1), "wall_per_audio_second": results, "sustained_calls": sustained}


def measure_recognizers(recognizers: dict[str, SpeechRecognizer], synthesizer) -> dict:
    results = {}
    for name, recognizer in recognizers.items():
        real = speech_en_clips(recognizer.sample_rate) if SPEECH_EN.exists() else []
        synthetic = espeak_clips(synthesizer, recognizer.sample_rate)
        row = {"capacity": capacity(recognizer, synthetic)}
        if name != "vosk (Korean model)":
            row["speech_en"] = accuracy(recognizer, real) if real else None
            row["espeak_en"] = accuracy(recognizer, synthetic)
        else:
            row["rtf"] = accuracy(recognizer, synthetic)["rtf"]
        results[name] = row
    return results


def _percentile(values: list[float], share: float) -> float | None:
    ordered = sorted(v for v in values if v is not None)
    if not ordered:
        return None
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)


def smart_turn_on_finished_sentences(synthesizer) -> dict:
    """How often Smart Turn v3 calls a finished sentence finished (after 0.2 s of silence, through
    the phone path): real recordings (speech-en) against espeak's voice saying shop questions."""
    from pipecat.audio.turn.smart_turn.local_smart_turn_v3 import LocalSmartTurnAnalyzerV3

    analyzer = LocalSmartTurnAnalyzerV3()
    analyzer.set_sample_rate(16000)

    def share_finished(clips: list[tuple[bytes, str]]) -> str:
        finished = 0
        for pcm, _ in clips:
            # _padded put 2 s of line noise after the speech: keep 0.2 s of it, as when VAD stops.
            audio = np.frombuffer(pcm[: len(pcm) - 2 * int(16000 * 1.8)], dtype="<i2").astype(np.float32) / 32768
            finished += analyzer._predict_endpoint(audio)["prediction"]  # noqa: SLF001 - the model's verdict
        return f"{finished}/{len(clips)}"

    rows = {"espeak (en)": share_finished(espeak_clips(synthesizer, 16000))}
    if SPEECH_EN.exists():
        rows["speech-en recordings"] = share_finished(speech_en_clips(16000))
    return rows


def summarise_turns(first_audio_ms: list[float], timings: list) -> dict:
    def spread(values):
        return {"p50_ms": _percentile(values, 0.5), "p95_ms": _percentile(values, 0.95)}
    fallback_ms = CallSettings().turn_silence_seconds * 1000
    return {
        "turns": len(first_audio_ms),
        # The others waited for Smart Turn's silence limit: it judged the sentence unfinished.
        "ended_by_smart_turn": sum(t.endpointing_ms < fallback_ms for t in timings),
        "last_caller_frame_to_first_bot_frame": spread(first_audio_ms),
        "endpointing": spread([t.endpointing_ms for t in timings]),
        "recognition_after_the_turn_ended": spread([t.recognition_ms for t in timings]),
        "dialogue": spread([t.dialogue_ms for t in timings]),
        "synthesis_to_first_audio": spread([t.synthesis_ms for t in timings]),
    }


# What the callers do: English and Polish, by voice and by keypad (the keys' turns are not timed:
# they end at `#`, with no endpointing or recognition).
CALL_SCRIPTS = {
    "en": [("say", "Hello, where is my order?"), ("say", "one, two, eight, seven, four."), ("keys", "10115#"),
           ("say", "Thank you, goodbye.")],
    "pl": [("say", "Dzień dobry, gdzie jest moja paczka?"),
           ("say", "Numer zamówienia to jeden dwa osiem siedem cztery."),
           ("keys", "00950#"), ("say", "Dziękuję, do widzenia.")],
}
DIALLED = {"en": "+442038000000", "pl": "+48221002030"}


async def one_call(gateway_url: str, auth_token: str, synthesizer, language: str) -> list[float]:
    """One scripted call; the client-side latency of each spoken turn."""
    from voice.simulator import dial

    latencies: list[float] = []
    caller_line = await dial(f"{gateway_url}/twilio/voice", auth_token, caller="+447700900123",
                             called=DIALLED[language], synthesizer=synthesizer)
    async with caller_line as caller:
        await caller.listen()
        for kind, value in CALL_SCRIPTS[language]:
            answer = await (caller.press(value) if kind == "keys" else caller.say(value, language))
            if kind == "say" and answer.first_audio_ms is not None:
                latencies.append(answer.first_audio_ms)
    return latencies


async def calls_at_once(gateway_url: str, auth_token: str, synthesizer, count: int) -> list[float]:
    languages = [("en", "pl")[n % 2] for n in range(count)]
    results = await asyncio.gather(*(one_call(gateway_url, auth_token, synthesizer, language)
                                     for language in languages))
    return [latency for call in results for latency in call]


def latency_table(rows: dict) -> list[str]:
    lines = ["| stage | p50 ms | p95 ms |", "|---|---|---|"]
    for name, values in rows.items():
        if isinstance(values, dict):
            lines.append(f"| {name.replace('_', ' ')} | {values['p50_ms']} | {values['p95_ms']} |")
    return lines


def measure_voice(database_url: str, engine, models_dir: Path, calls: int = 2) -> dict:
    """All voice measurements; the latency runs an in-process gateway in front of `engine` (an EngineAddress)."""
    from bot.channels.speech_engines import SpeechEngines
    from bot.main import create_app
    from bot.settings import Settings
    from testing.served import ServedApp
    from voice.stt.models import korean_test_model_dir, prepare_whisper_base
    from voice.stt.vosk_recognizer import VoskRecognizer
    from voice.stt.whisper_recognizer import WhisperRecognizer
    from voice.tts.espeak import EspeakSynthesizer

    synthesizer = EspeakSynthesizer()
    whisper = WhisperRecognizer(prepare_whisper_base(models_dir / "whisper-base"))
    recognizers = {"faster-whisper base": whisper,
                   "vosk (Korean model)": VoskRecognizer({"en": korean_test_model_dir()})}
    results = {"recognizers": measure_recognizers(recognizers, synthesizer),
               "smart_turn_finished_sentences": smart_turn_on_finished_sentences(synthesizer)}
    settings = Settings(**{"KOLIBER_ENV": "development", "DATABASE_URL": database_url, "RASA_URL": engine.url,
                           "KOLIBER_ENGINE_TOKEN": engine.token})
    app = create_app(settings, speech=SpeechEngines(whisper, synthesizer))
    token = settings.twilio_auth_token
    with ServedApp(app) as server:
        timings = app.state.gateway.voice.recent_call_timings
        by_language = {}
        for language in CALL_SCRIPTS:
            timings.clear()
            latencies = [ms for _ in range(calls)
                         for ms in asyncio.run(one_call(server.base_url, token, synthesizer, language))]
            by_language[language] = summarise_turns(latencies, [turn for call in timings for turn in call])
        results["latency"] = by_language
        concurrent = {}
        for count in CONCURRENT_CALLS:
            latencies = asyncio.run(calls_at_once(server.base_url, token, synthesizer, count))
            concurrent[count] = summarise_turns(latencies, [])["last_caller_frame_to_first_bot_frame"]
        results["concurrent_calls"] = concurrent
        results["concurrent_calls_within_goal"] = max(
            (count for count, row in concurrent.items() if (row["p95_ms"] or 1e9) <= GOAL_P95_MS), default=0)
    return results


def markdown(voice: dict) -> list[str]:
    lines = ["", "## Voice", "", "| recogniser | WER speech-en (8 kHz) | WER espeak (8 kHz) | real-time factor | calls sustained |",
             "|---|---|---|---|---|"]
    for name, row in voice["recognizers"].items():
        real, synthetic = row.get("speech_en"), row.get("espeak_en")
        rtf = synthetic["rtf"] if synthetic else row.get("rtf")
        lines.append(f"| {name} | {real['wer'] if real else 'n/a'} | {synthetic['wer'] if synthetic else 'n/a'} | "
                     f"{rtf} | {row['capacity']['sustained_calls']} |")
    for language, latency in voice["latency"].items():
        lines += ["", f"Voice turn latency, {language} callers ({latency['turns']} spoken turns, faster-whisper base, "
                      f"real engine, espeak; goal p50 <= {GOAL_P50_MS} ms, p95 <= {GOAL_P95_MS} ms):", ""]
        lines += latency_table({k: v for k, v in latency.items() if isinstance(v, dict)})
        lines += ["", f"Turns Smart Turn ended (the rest waited for its silence limit): "
                      f"{latency['ended_by_smart_turn']}/{latency['turns']}"]
    lines += ["", "Smart Turn v3 calling a finished sentence finished: " + ", ".join(
        f"{name} {share}" for name, share in voice["smart_turn_finished_sentences"].items())]
    lines += ["", "Calls at once (half English, half Polish), last caller frame to first bot frame:", "",
              "| calls | p50 ms | p95 ms |", "|---|---|---|"]
    lines += [f"| {count} | {row['p50_ms']} | {row['p95_ms']} |" for count, row in voice["concurrent_calls"].items()]
    lines += ["", f"Most calls at once with p95 within {GOAL_P95_MS} ms: {voice['concurrent_calls_within_goal']}"]
    return lines
