"""The `koliber` command: database set-up, the demo shop, and running everything."""

import argparse
import signal
import sys
import time

from bot.settings import PROJECT_ROOT, get_settings


def cmd_migrate(_: argparse.Namespace) -> int:
    from bot.persistence.migrate import upgrade

    upgrade(get_settings().database_url)
    print("database migrated")
    return 0


def cmd_seed(_: argparse.Namespace) -> int:
    from bot.persistence.database import default_engine, session_factory, unit_of_work
    from bot.shop.policy import load_policy
    from bot.handoff.agents import seed_demo_agents
    from bot.persistence.base import utcnow
    from bot.shop.seed import seed_demo_shop

    settings = get_settings()
    with unit_of_work(session_factory(default_engine())) as session:
        added = seed_demo_shop(session, load_policy(settings.shop_policy_path), utcnow())
    print(f"demo shop: {added} orders added" if added else "demo shop already seeded")
    if settings.environment == "development":
        with unit_of_work(session_factory(default_engine())) as session:
            created = seed_demo_agents(session, settings.demo_agent_password)
        if created:
            print(f"demo agents: {', '.join(created)} (password: {settings.demo_agent_password})")
    return 0


def cmd_agent_add(args: argparse.Namespace) -> int:
    import getpass
    import os

    from bot.handoff.agents import AgentExists, create_agent
    from bot.handoff.models import AgentRole
    from bot.persistence.database import default_engine, session_factory, unit_of_work

    password = os.environ.get("KOLIBER_AGENT_PASSWORD") or getpass.getpass(f"password for {args.username}: ")
    try:
        with unit_of_work(session_factory(default_engine())) as session:
            create_agent(session, args.username, args.name or args.username, password,
                         [code.strip() for code in args.languages.split(",")], AgentRole(args.role))
    except (AgentExists, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"agent {args.username} created ({args.role}, languages {args.languages})")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from bot.processes import ManagedProcess, ServiceFailed, action_server_spec, engine_spec, gateway_spec, write_endpoints

    settings = get_settings()
    rasa_port = int(settings.rasa_url.rsplit(":", 1)[-1])
    endpoints = write_endpoints(PROJECT_ROOT / "var" / "run" / "endpoints.yml", settings.action_server_port)
    services = [
        ManagedProcess(action_server_spec(settings.action_server_port, settings.database_url), PROJECT_ROOT / "var" / "log"),
        ManagedProcess(engine_spec(rasa_port, PROJECT_ROOT / "models", endpoints), PROJECT_ROOT / "var" / "log"),
        ManagedProcess(gateway_spec(settings.gateway_port, settings.database_url, settings.rasa_url), PROJECT_ROOT / "var" / "log"),
    ]
    demo_login = f"(demo: anna / {settings.demo_agent_password})" if settings.environment == "development" else ""
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
            f"  engine (REST channel) {settings.rasa_url}/webhooks/rest/webhook\n"
            f"  action server         http://127.0.0.1:{settings.action_server_port}/health\n"
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="koliber", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="apply database migrations").set_defaults(handler=cmd_migrate)
    commands.add_parser("seed", help="add the demo shop to an empty database").set_defaults(handler=cmd_seed)
    commands.add_parser("run", help="start engine, action server and gateway").set_defaults(handler=cmd_run)
    agents = commands.add_parser("agent", help="manage console agents").add_subparsers(dest="agent_command", required=True)
    add = agents.add_parser("add", help="create an agent (password from KOLIBER_AGENT_PASSWORD or a prompt)")
    add.add_argument("username")
    add.add_argument("--name", help="name shown to customers, e.g. 'Anna'")
    add.add_argument("--languages", default="pl,en", help="comma-separated: pl,en")
    add.add_argument("--role", choices=["agent", "admin"], default="agent")
    add.set_defaults(handler=cmd_agent_add)
    args = parser.parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
