"""The `koliber` command: database set-up, the demo shop, and running everything."""

import argparse
import signal
import sys
import time
from pathlib import Path

from bot.persistence.commands import EXIT_REFUSED, add_backup_commands
from bot.privacy.commands import add_privacy_commands
from bot.settings import GENERATED_SECRETS_FILE, PROJECT_ROOT, get_settings
from bot.trainer.commands import add_trainer_commands


def cmd_migrate(_: argparse.Namespace) -> int:
    from bot.persistence.schema import SchemaMismatch, migrate

    try:
        migrate(get_settings().database_url)
    except SchemaMismatch as newer:
        print(f"error: {newer}", file=sys.stderr)
        return EXIT_REFUSED
    print("database migrated")
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    from bot.handoff.agents import seed_demo_agents
    from db.base import utcnow
    from db.sessions import make_engine, session_factory, unit_of_work
    from shop.policy import load_policy
    from shop.seed import seed_demo_shop

    settings = get_settings()
    with unit_of_work(session_factory(make_engine(settings.database_url))) as session:
        added = seed_demo_shop(session, load_policy(settings.shop_policy_path), utcnow())
    print(f"demo shop: {added} orders added" if added else "demo shop already seeded")
    if settings.development:
        with unit_of_work(session_factory(make_engine(settings.database_url))) as session:
            created = seed_demo_agents(session, settings.demo_agent_password)
        if created:
            print(f"demo agents: {', '.join(created)} (password: {settings.demo_agent_password})")
    if args.history:
        return _seed_history(settings, args.history)
    return 0


def _history_days(value: str) -> int:
    """`30d` (or `30`): how many days of demo history."""
    days = value.removesuffix("d")
    if not days.isdigit() or not 1 <= int(days) <= 366:
        raise argparse.ArgumentTypeError("the history is a number of days from 1 to 366, e.g. 30d")
    return int(days)


def _seed_history(settings, days: int) -> int:
    from bot.analytics.history import seed_history
    from bot.handoff.hours import WorkingHours, load_handoff_config
    from db.base import utcnow
    from db.sessions import make_engine, session_factory, unit_of_work

    if not settings.development:
        print("error: the demo history is for trying Koliber: set KOLIBER_ENV=development", file=sys.stderr)
        return 2
    hours = WorkingHours(load_handoff_config(settings.handoff_config_path))
    try:
        with unit_of_work(session_factory(make_engine(settings.database_url))) as session:
            written = seed_history(session, utcnow(), days, hours)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if written is None:
        print("demo history already seeded")
    else:
        print(f"demo history of {days} days: " + ", ".join(f"{count} {name}" for name, count in written.items())
              + " (the dashboard shows it with 'Demo history' ticked: /console/analytics?demo=true)")
    return 0


def cmd_agent_add(args: argparse.Namespace) -> int:
    import getpass
    import os

    from bot.handoff.agents import AgentExists, create_agent
    from bot.models.handoff import AgentRole
    from db.sessions import make_engine, session_factory, unit_of_work

    settings = get_settings()
    password = os.environ.get("KOLIBER_AGENT_PASSWORD") or getpass.getpass(f"password for {args.username}: ")
    try:
        with unit_of_work(session_factory(make_engine(settings.database_url))) as session:
            create_agent(session, args.username, args.name or args.username, password,
                         [code.strip() for code in args.languages.split(",")], AgentRole(args.role))
    except (AgentExists, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"agent {args.username} created ({args.role}, languages {args.languages})")
    return 0


def cmd_call(args: argparse.Namespace) -> int:
    """Phones the voicebot without a phone: the call simulator plays Twilio's side."""
    import asyncio

    import httpx

    from voice.simulator import dial
    from voice.tts.espeak import EspeakSynthesizer

    settings = get_settings()
    base = (args.gateway or f"http://127.0.0.1:{settings.gateway_port}").rstrip("/")
    called = settings.number_for_language(args.language)
    if called is None:
        print(f"no number in KOLIBER_VOICE_NUMBERS answers in {args.language!r}", file=sys.stderr)
        return 1

    async def call() -> str:
        simulator = await dial(f"{base}/twilio/voice", settings.twilio_auth_token, caller=args.caller,
                               called=called, synthesizer=EspeakSynthesizer(rate_wpm=settings.tts_rate_wpm))
        async with simulator as caller:
            answer = await caller.listen()
            print(f"[bot speaks {answer.audio_ms / 1000:.1f} s]", flush=True)
            for step in args.steps:
                prefix, colon, rest = step.partition(":")
                kind, value = (prefix, rest) if colon and prefix in ("keys", "wav", "wait") else ("say", step)
                if kind == "wait":
                    await asyncio.sleep(float(value))
                    continue
                print(f"caller {kind}: {value}", flush=True)
                if kind == "keys":
                    answer = await caller.press(value)
                elif kind == "wav":
                    answer = await caller.play_wav(Path(value))
                else:
                    answer = await caller.say(value, args.language)
                latency = f"{answer.first_audio_ms:.0f} ms" if answer.first_audio_ms is not None else "-"
                print(f"[bot answers after {latency}, speaks {answer.audio_ms / 1000:.1f} s]", flush=True)
                if caller.ended_by_bot:
                    break
            return caller.call_sid

    call_sid = asyncio.run(call())
    transcript = httpx.get(f"{base}/api/v1/calls/{call_sid}", headers={"Authorization": f"Bearer {settings.api_key}"},
                           timeout=10)
    if transcript.status_code != 200:
        print(f"no transcript: {transcript.status_code} {transcript.text}", file=sys.stderr)
        return 1
    print("\ntranscript:")
    for message in transcript.json()["messages"]:
        confidence = f" ({message['speech_confidence']:.2f})" if message.get("speech_confidence") is not None else ""
        heard = f"  [heard: {message['heard_text']!r}]" if message.get("heard_text") is not None else ""
        print(f"  {message['author']:>8}{confidence}: {message['text']}{heard}")
    return 0


def cmd_secrets(_: argparse.Namespace) -> int:
    from bot.secrets_file import ensure_generated_secrets

    added = ensure_generated_secrets(GENERATED_SECRETS_FILE)
    where = GENERATED_SECRETS_FILE.relative_to(PROJECT_ROOT)
    print(f"generated {', '.join(added)} into {where}" if added else f"secrets already in {where}")
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    from bot.settings_doc import CONFIGURATION_DOC, write_configuration

    target = Path(args.output) if args.output else CONFIGURATION_DOC
    print(f"wrote {target}" if write_configuration(target) else f"{target} is up to date")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from bot.processes import ServiceFailed, TopologyRefused, koliber_services

    settings = get_settings()
    engines, gateways = args.engines or settings.engines, args.gateways or settings.gateways
    mailbox = _dev_mailbox(settings)
    try:
        services = koliber_services(settings, engines, gateways, PROJECT_ROOT / "models", PROJECT_ROOT / "var" / "log",
                                    PROJECT_ROOT / "var" / "run",
                                    mailbox.gateway_settings(settings.email_from_address) if mailbox else None)
    except TopologyRefused as refusal:
        print(f"error: {refusal}", file=sys.stderr)
        return 2
    ports = [settings.gateway_port + index for index in range(gateways)]
    demo_login = (f"(demo: anna, trainer tr, supervisor sv / {settings.demo_agent_password})"
                  if settings.development else "")
    stopping = False

    def _stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        for service in services:
            print(f"starting {service.spec.name} (log: {service.log_path.relative_to(PROJECT_ROOT)}) ...", flush=True)
            service.start()
            service.wait_healthy()
        print(
            "\nKoliber is running:\n"
            f"  demo shop with chat   http://127.0.0.1:{settings.gateway_port}/  (English: /?lang=en)\n"
            f"  agent console         http://127.0.0.1:{settings.gateway_port}/console  {demo_login}\n"
            f"  API docs              http://127.0.0.1:{settings.gateway_port}/docs\n"
            f"  Twilio webhooks       POST /twilio/messaging (SMS, WhatsApp), POST /twilio/voice (calls)\n"
            f"  Messenger webhook     /messenger/webhook (docs/messenger.md); contact form /contact\n"
            f"  try a call            KOLIBER_ENV=development .venv/app/bin/koliber call --language en \"where is my order?\"\n"
            f"{_mail_banner(settings, mailbox)}"
            f"  gateways              {', '.join(str(port) for port in ports)}; engines: {engines} "
            "(internal, with their action servers)\n"
            "Press Ctrl+C to stop.",
            flush=True,
        )
        while not stopping:
            dead = [s for s in services if not s.running()]
            if dead:
                print(f"{dead[0].spec.name} stopped unexpectedly:\n{dead[0].log_tail()}", file=sys.stderr)
                return 1
            time.sleep(1)
        return 0
    except ServiceFailed as error:
        print(error, file=sys.stderr)
        return 1
    finally:
        for service in reversed(services):
            service.stop()
        if mailbox is not None:
            mailbox.stop()


def _dev_mailbox(settings):
    """In development, with no mailbox configured, a local one (Dovecot + SMTP) when Dovecot is installed."""
    from bot.dev_mailbox import DEV_IMAP_PORT, DEV_SMTP_PORT, DevMailbox, Dovecot

    if not settings.development or settings.email_imap_host or not Dovecot.installed():
        return None
    print(f"starting the development mailbox (IMAP {DEV_IMAP_PORT}, SMTP {DEV_SMTP_PORT}) ...", flush=True)
    return DevMailbox(PROJECT_ROOT / "var" / "mail", DEV_IMAP_PORT, DEV_SMTP_PORT).start()


def _mail_banner(settings, mailbox) -> str:
    if mailbox is not None:
        return (f"  try an e-mail         KOLIBER_ENV=development .venv/app/bin/koliber email --sender "
                f"anna.nowak@example.pl \"Gdzie jest moje zamówienie 48213?\"\n"
                f"  development mailbox   write to {settings.email_from_address} over SMTP "
                f"127.0.0.1:{mailbox.smtp_port}; read replies over IMAP 127.0.0.1:{mailbox.imap_port} as your address, password koliber\n")
    if settings.email_imap_host:
        return f"  e-mail channel        reading {settings.email_imap_user}@{settings.email_imap_host}\n"
    return "  e-mail channel        off: set KOLIBER_IMAP_HOST and friends (docs/email.md)\n"


def cmd_email(args: argparse.Namespace) -> int:
    """Writes to the bot through the development mailbox and prints its answer."""
    import email
    import email.policy
    import smtplib
    from email.message import EmailMessage
    from email.utils import make_msgid

    from bot.dev_mailbox import DEV_IMAP_PORT, DEV_SMTP_PORT, Dovecot

    settings = get_settings()
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = args.sender, settings.email_from_address, args.subject
    message["Message-ID"] = make_msgid(domain=args.sender.rpartition("@")[2])
    message.set_content(args.text)
    try:
        with smtplib.SMTP("127.0.0.1", DEV_SMTP_PORT, timeout=10) as smtp:
            smtp.send_message(message)
    except OSError as error:
        print(f"the development mailbox is not running ({error}): start `make run` first", file=sys.stderr)
        return 1
    print(f"sent to {settings.email_from_address}; waiting for the answer ...", flush=True)
    mailbox = Dovecot(PROJECT_ROOT / "var" / "mail", DEV_IMAP_PORT)
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        for _, raw in mailbox.inbox(args.sender):
            answer = email.message_from_bytes(raw, policy=email.policy.default)
            if answer["In-Reply-To"] == message["Message-ID"]:
                print(f"Subject: {answer['Subject']}\n\n{answer.get_body(preferencelist=('plain',)).get_content()}")
                return 0
        time.sleep(0.5)
    print(f"no answer within {args.timeout:.0f} s", file=sys.stderr)
    return 1


def cmd_shop_check(args: argparse.Namespace) -> int:
    from db.base import utcnow
    from shop.access import open_shop
    from shop.platforms.check import check_shop
    from shop.platforms.transport import ShopRefusedCredentials, ShopUnavailable

    settings = get_settings()
    where = {"woocommerce": settings.woocommerce_url, "shopify": settings.shopify_store,
             "baselinker": settings.baselinker_url}.get(settings.shop_platform, "Koliber's demo tables")
    print(f"shop: {settings.shop_platform} ({where})")
    try:
        report = check_shop(open_shop(settings), utcnow(), args.days)
    except ShopRefusedCredentials as error:
        print(f"the platform refused the credentials: {error}. Check the key or token and its permissions.",
              file=sys.stderr)
        return 1
    except ShopUnavailable as error:
        print(f"the platform could not be read: {error}", file=sys.stderr)
        return 1
    except ValueError as error:  # a setting missing or malformed
        print(f"the shop is not configured: {error}", file=sys.stderr)
        return 2
    print("connected")
    for line in report.lines(args.days):
        print(line)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="koliber", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="apply database migrations").set_defaults(handler=cmd_migrate)
    seed = commands.add_parser("seed", help="add the demo shop to an empty database")
    seed.add_argument("--history", type=_history_days, metavar="DAYS",
                      help="also write a labelled demo history for the dashboard, e.g. 30d (development only)")
    seed.set_defaults(handler=cmd_seed)
    run = commands.add_parser("run", help="start engine, action server and gateway")
    run.add_argument("--engines", type=int, help="engines (each with an action server); default KOLIBER_ENGINES")
    run.add_argument("--gateways", type=int, help="gateways on consecutive ports; default KOLIBER_GATEWAYS")
    run.set_defaults(handler=cmd_run)
    commands.add_parser("secrets", help=f"generate the internal services' secrets into var/{GENERATED_SECRETS_FILE.name} "
                                        "(kept when present)").set_defaults(handler=cmd_secrets)
    call = commands.add_parser("call", help="phone the voicebot through the call simulator",
                               description="Each step is something to say, keys:<digits> to press, "
                                           "wav:<file> to play, or wait:<seconds>.")
    call.add_argument("steps", nargs="*", help='e.g. "where is my order" keys:12874# keys:10115#')
    call.add_argument("--gateway", help="the gateway's URL (default: this machine's, on GATEWAY_PORT)")
    call.add_argument("--language", choices=["pl", "en"], default="pl")
    call.add_argument("--caller", default="+48600000000", help="the caller's number")
    call.set_defaults(handler=cmd_call)
    mail = commands.add_parser("email", help="e-mail the bot through the development mailbox and print its answer")
    mail.add_argument("text", help='e.g. "Gdzie jest moje zamówienie 48213?"')
    mail.add_argument("--sender", default="anna.nowak@example.pl", help="the customer's address")
    mail.add_argument("--subject", default="Pytanie o zamówienie")
    mail.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for the answer")
    mail.set_defaults(handler=cmd_email)
    agents = commands.add_parser("agent", help="manage console agents").add_subparsers(dest="agent_command", required=True)
    add = agents.add_parser("add", help="create an agent (password from KOLIBER_AGENT_PASSWORD or a prompt)")
    add.add_argument("username")
    add.add_argument("--name", help="name shown to customers, e.g. 'Anna'")
    add.add_argument("--languages", default="pl,en", help="comma-separated: pl,en")
    add.add_argument("--role", choices=["agent", "admin", "trainer", "supervisor"], default="agent",
                     help="trainer: the review inbox only; supervisor: the dashboard only; admin: everything")
    add.set_defaults(handler=cmd_agent_add)
    shop = commands.add_parser("shop", help="the shop's platform").add_subparsers(dest="shop_command", required=True)
    check = shop.add_parser("check", help="read the configured shop (KOLIBER_SHOP) and print what was found")
    check.add_argument("--days", type=int, default=30, help="how far back to count orders (default 30)")
    check.set_defaults(handler=cmd_shop_check)
    docs = commands.add_parser("docs", help="write docs/configuration.md from the settings classes")
    docs.add_argument("--output", help="write the page here instead")
    docs.set_defaults(handler=cmd_docs)
    add_trainer_commands(commands)
    add_privacy_commands(commands)
    add_backup_commands(commands)
    args = parser.parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
