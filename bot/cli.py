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
    from bot.shop.seed import seed_demo_shop
    from bot.persistence.base import utcnow

    settings = get_settings()
    with unit_of_work(session_factory(default_engine())) as session:
        added = seed_demo_shop(session, load_policy(settings.shop_policy_path), utcnow())
    print(f"demo shop: {added} orders added" if added else "demo shop already seeded")
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
            f"  gateway and API docs  http://127.0.0.1:{settings.gateway_port}/docs\n"
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
    args = parser.parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
