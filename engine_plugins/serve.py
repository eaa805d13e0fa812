"""Starts the engine (`rasa run`) with its auth token taken from the environment.

`rasa run --auth-token` would put the secret on a command line that any local user can read
with `ps`; here it is added to the arguments inside the process instead. Usage: the same
arguments as `rasa run`, with KOLIBER_ENGINE_TOKEN set.

Its logs are Koliber's log lines (contracts/log_lines.py): JSON naming the turn, personal data masked.
"""

import logging
import os
import sys

from contracts.log_lines import LogOptions, configure_logging


def main() -> None:
    token = os.environ.get("KOLIBER_ENGINE_TOKEN", "")
    if not token:
        sys.exit("KOLIBER_ENGINE_TOKEN is not set: the engine does not run without a secret")
    try:
        log_options = LogOptions.from_env(os.environ)
    except ValueError as wrong:
        sys.exit(str(wrong))
    _log_lines(log_options, None)  # from the first import on: Rasa's libraries warn as they load
    import rasa.utils.io
    from rasa.__main__ import main as rasa_main

    # Rasa installs coloured console logging once it has parsed its arguments, and has no hook
    # for another format: Koliber's log lines take its place, at the level Rasa was given.
    rasa.utils.io.configure_colored_logging = lambda level: _log_lines(log_options, level)

    # One argument, `--auth-token=...`: a token starting with "-" would otherwise read as an option.
    sys.argv = ["rasa", "run", *sys.argv[1:], f"--auth-token={token}"]
    rasa_main()


def _log_lines(options: LogOptions, level: int | str | None) -> None:
    level = level or os.environ.get("LOG_LEVEL", "INFO")
    configure_logging("engine", options, level)
    # Loading the model lowers the root logger to warnings (TensorFlow); Rasa sets its own
    # logger's level for that reason, and Koliber's plugins need theirs too.
    logging.getLogger("engine_plugins").setLevel(level)


if __name__ == "__main__":
    main()
