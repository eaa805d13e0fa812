"""The trainer's `koliber` subcommands: validate, eval, train."""

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

from bot.settings import PROJECT_ROOT, get_settings
from bot.trainer.data.project import ProjectLayout
from bot.trainer.data.settings import load_trainer_settings
from bot.trainer.data.validation import validate_project

RASA_VALIDATE_TIMEOUT = 600


def _layout(args: argparse.Namespace) -> ProjectLayout:
    return ProjectLayout(Path(args.project).resolve())


def _project_problems(layout: ProjectLayout, min_examples: int | None = None) -> list[str]:
    settings = load_trainer_settings(layout.trainer_settings)
    if min_examples is not None:
        settings = replace(settings, min_examples=min_examples)
    return validate_project(layout, settings).lines(layout.root)


def _rasa_validate(layout: ProjectLayout) -> bool:
    from bot.trainer.data.rasa_cli import run_rasa, validate_argv

    result = run_rasa(validate_argv(layout), layout.root, RASA_VALIDATE_TIMEOUT)
    if result.returncode != 0:
        # Rasa reports through logging and Python warnings, mostly on stderr; its last lines say why.
        output = (result.stdout + result.stderr).strip().splitlines()
        print("rasa data validate --fail-on-warnings failed:", *output[-40:], sep="\n  ")
    return result.returncode == 0


def cmd_validate(args: argparse.Namespace) -> int:
    layout = _layout(args)
    started = time.perf_counter()
    problems = _project_problems(layout, args.min_examples)
    for line in problems:
        print(line)
    print(f"project checks: {len(problems) or 'no'} problem{'s' * (len(problems) != 1)} "
          f"({time.perf_counter() - started:.1f} s)")
    rasa_ok = True
    if not args.no_rasa:
        print("rasa data validate --fail-on-warnings ...", flush=True)
        rasa_ok = _rasa_validate(layout)
        print("rasa data validate: ok" if rasa_ok else "rasa data validate: failed")
    return 0 if rasa_ok and not problems else 1


def cmd_eval(args: argparse.Namespace) -> int:
    from bot.engine.address import EngineAddress
    from bot.trainer.evaluation.runner import EvalOptions, EvaluationFailed, evaluate, summary_lines

    layout = _layout(args)
    engine = EngineAddress(args.engine_url, get_settings().engine_token) if args.engine_url else None
    options = EvalOptions(engine=engine, stories=not args.no_stories, train_if_stale=not args.no_train,
                          benchmarks_dir=Path(args.benchmarks), out_root=Path(args.out) if args.out else None)
    try:
        run = evaluate(layout, options, log=lambda line: print(line, flush=True))
    except EvaluationFailed as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print("", *summary_lines(run.results), sep="\n")
    print("", *(run.comparison.lines() if run.comparison else ["no previous run to compare with"]), sep="\n")
    print(f"\nreport: {run.directory / 'summary.md'}")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from bot.engine.address import EngineAddress
    from bot.trainer.data.reload import ReloadFailed, engine_is_running, load_model
    from bot.trainer.data.training import train

    layout = _layout(args)
    if not args.no_validate:
        problems = _project_problems(layout)
        if problems:
            print(*problems, f"{len(problems)} problems in the training data: fix them, or train anyway with "
                             "--no-validate", sep="\n", file=sys.stderr)
            return 1
    before = layout.model.stat().st_mtime if layout.model.exists() else None
    print("training ...", flush=True)
    if not train(layout):
        print("error: training failed", file=sys.stderr)
        return 1
    if args.no_reload:
        return 0
    if before is not None and layout.model.stat().st_mtime == before:
        print("the model did not change: the engine keeps the one it has")
        return 0
    settings = get_settings()
    urls = [url.strip() for url in args.rasa_url.split(",")] if args.rasa_url else settings.engine_urls
    for engine in (EngineAddress(url, settings.engine_token) for url in urls):  # one at a time: the others answer
        if not engine_is_running(engine):
            print(f"no engine at {engine.url}: it loads the new model when it starts")
            continue
        print(f"loading the new model into the engine at {engine.url} (its turns wait while it loads) ...", flush=True)
        try:
            load_model(engine, layout.model)
        except ReloadFailed as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        print(f"the engine at {engine.url} now answers with the new model; open conversations are kept")
    return 0


def add_trainer_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    from bot.trainer.evaluation.datasets import SHARED_BENCHMARKS

    validate = commands.add_parser("validate", help="check the training data (project checks and Rasa's own)")
    validate.add_argument("--no-rasa", action="store_true", help="skip `rasa data validate` (the slow part)")
    validate.add_argument("--min-examples", type=int, help="examples per intent and language "
                                                           "(default: config/trainer.yml)")
    validate.set_defaults(handler=cmd_validate)

    evaluate = commands.add_parser("eval", help="score the model on the held-out split and the benchmarks, "
                                                "run the test stories, compare with the previous run")
    evaluate.add_argument("--engine-url", help="parse with this running engine (it must serve the current model) "
                                               "instead of starting one")
    evaluate.add_argument("--no-stories", action="store_true", help="skip the test stories")
    evaluate.add_argument("--no-train", action="store_true", help="evaluate the model as it is, even if older than the data")
    evaluate.add_argument("--benchmarks", default=str(SHARED_BENCHMARKS), help="folder of benchmark sets")
    evaluate.add_argument("--out", help="where runs are written (default: results/eval)")
    evaluate.set_defaults(handler=cmd_eval)

    train = commands.add_parser("train", help="retrain, then load the new model into the running engine")
    train.add_argument("--rasa-url", help="the engine to reload (default: RASA_URL)")
    train.add_argument("--no-reload", action="store_true", help="only train")
    train.add_argument("--no-validate", action="store_true", help="train even when the project checks fail")
    train.set_defaults(handler=cmd_train)

    for command in (validate, evaluate, train):
        command.add_argument("--project", default=str(PROJECT_ROOT), help=argparse.SUPPRESS)
