"""Starts the engine (`rasa run`) with its auth token taken from the environment.

`rasa run --auth-token` would put the secret on a command line that any local user can read
with `ps`; here it is added to the arguments inside the process instead. Usage: the same
arguments as `rasa run`, with KOLIBER_ENGINE_TOKEN set.
"""

import os
import sys


def main() -> None:
    token = os.environ.get("KOLIBER_ENGINE_TOKEN", "")
    if not token:
        sys.exit("KOLIBER_ENGINE_TOKEN is not set: the engine does not run without a secret")
    from rasa.__main__ import main as rasa_main

    # One argument, `--auth-token=...`: a token starting with "-" would otherwise read as an option.
    sys.argv = ["rasa", "run", *sys.argv[1:], f"--auth-token={token}"]
    rasa_main()


if __name__ == "__main__":
    main()
