"""The ``badcase-loop`` command line.

User errors (bad config, missing paths, a busy warehouse) print one line and
exit 2; a failed run exits 1. Prefect is imported only by the commands that
run a flow.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from dataclasses import asdict
from datetime import date
from pathlib import Path

from tasks.errors import BadcaseError

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_REJECTED = 0, 1, 2, 3


def _say(text: str = "") -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _error(text: str) -> int:
    sys.stderr.write(f"badcase-loop: error: {text}\n")
    return EXIT_USAGE


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="badcase-loop",
        description="Turn production chat logs into versioned preference data.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run the loop once (ingest -> ... -> publish)")
    run.add_argument("--landing", help="landing root with interactions/ and events/")
    run.add_argument("--warehouse", help="DuckDB warehouse file")
    run.add_argument("--datasets", help="root folder of published datasets")
    run.add_argument("--config", help="TOML config file (flags override it)")

    demo = sub.add_parser("demo", help="generate sample logs and run the loop on them, offline")
    demo.add_argument("--workdir", default=".badcase/demo", help="where everything is written")
    demo.add_argument("--interactions", type=int, default=5000, help="sample size")
    demo.add_argument("--seed", type=int, default=7)

    gen = sub.add_parser("generate-logs", help="write realistic sample logs with planted failures")
    gen.add_argument("--out", required=True, help="landing root to write")
    gen.add_argument("--interactions", type=int, required=True)
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--days", type=int, default=7)
    gen.add_argument("--corrupt-rate", type=float, default=0.0, help="share of malformed records")
    gen.add_argument("--start-date", type=date.fromisoformat, default=None, help="YYYY-MM-DD")
    gen.add_argument("--gzip", action="store_true", help="write .jsonl.gz")
    gen.add_argument("--max-rows-per-file", type=int, default=200_000)
    gen.add_argument(
        "--long-sessions", action="store_true", help="every conversation a 10-40 turn session"
    )

    schema = sub.add_parser("schema", help="print the JSON Schema of a log record kind")
    schema.add_argument("kind", choices=("interactions", "events"))

    _add_review_parser(sub)
    _add_audit_parser(sub)
    _add_serve_parser(sub)
    _add_forget_parser(sub)
    _add_model_parsers(sub)
    _add_sources_parser(sub)
    _add_warehouse_parser(sub)
    _add_datasets_parser(sub)
    return parser


def _add_review_parser(sub: argparse._SubParsersAction) -> None:
    review = sub.add_parser("review", help="the human review queue: export items, import work")
    review_sub = review.add_subparsers(dest="review_command", required=True, metavar="ACTION")
    export = review_sub.add_parser("export", help="write pending items as JSONL (+ CSV beside it)")
    export.add_argument("--out", required=True, help="JSONL file to write (the CSV gets .csv)")
    export.add_argument(
        "--kind",
        choices=("judge_calibration", "expert_repair"),
        action="append",
        help="only this kind (repeatable; default: all)",
    )
    imp = review_sub.add_parser("import", help="read completed rows back (all or nothing)")
    imp.add_argument("file", help="a completed export, JSONL or CSV")
    for action in (export, imp):
        action.add_argument("--warehouse", help="DuckDB warehouse file")
        action.add_argument("--config", help="TOML config file (flags override it)")


def _add_forget_parser(sub: argparse._SubParsersAction) -> None:
    forget = sub.add_parser(
        "forget",
        help="a deletion request: remove a user's or a conversation's data from the "
        "warehouse, withdraw their pairs, list the written versions that still hold them",
    )
    who = forget.add_mutually_exclusive_group(required=True)
    who.add_argument("--user-id", help="forget everything of this user")
    who.add_argument("--conversation-id", help="forget this conversation")
    forget.add_argument("--warehouse", help="DuckDB warehouse file")
    forget.add_argument("--datasets", help="datasets root whose versions are checked too")
    forget.add_argument("--config", help="TOML config file (flags override it)")


def _forget(args: argparse.Namespace) -> int:
    from contextlib import closing

    from flows.config import load_config
    from tasks.warehouse.db import connect, run_lock
    from tasks.warehouse.forget import forget

    config = load_config(args.config, warehouse=args.warehouse, datasets=args.datasets)
    warehouse = str(Path(config.warehouse).expanduser().resolve())
    if not Path(warehouse).exists():
        return _error(f"no warehouse at {warehouse}: nothing to forget")
    with run_lock(warehouse, "forget", 0), closing(connect(warehouse)) as con:
        summary = forget(con, args.user_id, args.conversation_id, config.datasets)
    who = f"user {args.user_id}" if args.user_id else f"conversation {args.conversation_id}"
    rows = ", ".join(f"{t} {n}" for t, n in summary.rows_deleted.items()) or "none found"
    _say(f"forget {who} ({summary.request_id}): deleted {summary.total} rows ({rows})")
    _say(
        f"  withdrew {len(summary.pairs_withdrawn)} preference pairs (the next version drops them)"
    )
    for v in summary.still_in:
        held = f"{len(v.get('pairs', []))} pairs, {len(v.get('cases', []))} cases"
        if "pairs" not in v:
            held = "could not be read: check it by hand"
        _say(f"  still in {v['name']}/{v['version']} ({v['status']}, {held}): {v['path']}")
    if summary.still_in:
        _say("  retract those versions (a committed version is never rewritten)")
    return EXIT_OK


def _add_audit_parser(sub: argparse._SubParsersAction) -> None:
    audit = sub.add_parser(
        "audit", help="measure mining on your traffic: a blind stratified sample people label"
    )
    audit_sub = audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    export = audit_sub.add_parser(
        "export", help="draw a blind stratified sample and write it in the review format"
    )
    export.add_argument("--out", required=True, help="JSONL file to write (the CSV gets .csv)")
    export.add_argument(
        "--per-stratum", type=int, default=None, help="items per stratum (default: config)"
    )
    imp = audit_sub.add_parser(
        "import", help="read the labels back; report precision/recall with 95%% intervals"
    )
    imp.add_argument("file", help="the labelled export, JSONL or CSV")
    for action in (export, imp):
        action.add_argument("--warehouse", help="DuckDB warehouse file")
        action.add_argument("--config", help="TOML config file (flags override it)")


def _add_serve_parser(sub: argparse._SubParsersAction) -> None:
    serve = sub.add_parser(
        "serve",
        help="run every deployment (nightly, on new logs, watcher, training) in one process",
    )
    serve.add_argument("--landing", help="landing root with interactions/ and events/")
    serve.add_argument("--warehouse", help="DuckDB warehouse file")
    serve.add_argument("--datasets", help="root folder of published datasets")
    serve.add_argument("--config", help="TOML config file (flags override it)")


def _add_model_parsers(sub: argparse._SubParsersAction) -> None:
    """``evaluate`` (gate a candidate model) and ``rl-prompts`` (sample the current one)."""
    ev = sub.add_parser(
        "evaluate", help="replay the regression eval set to a candidate model and gate it"
    )
    ev.add_argument("--base-url", required=True, help="the candidate's OpenAI-compatible URL")
    ev.add_argument("--model", required=True, help="the candidate's model name")
    ev.add_argument("--evalset", help="eval set name (default: the config's dataset_name)")
    ev.add_argument("--version", help="eval set version (default: LATEST)")
    ev.add_argument("--warehouse", help="DuckDB warehouse file")
    ev.add_argument("--evalsets", help="root of the eval sets (default: beside the datasets)")
    ev.add_argument("--config", help="TOML config file (flags override it)")
    ev.add_argument("--json", action="store_true", help="machine-readable output")

    rl = sub.add_parser(
        "rl-prompts", help="sample the current model on bad-case prompts, publish an RL set"
    )
    rl.add_argument("--policy-base-url", help="the current model's OpenAI-compatible URL")
    rl.add_argument("--policy-model", help="the current model's name")
    rl.add_argument("--warehouse", help="DuckDB warehouse file")
    rl.add_argument("--datasets", help="root of published datasets (rlsets/ goes beside it)")
    rl.add_argument("--config", help="TOML config file (flags override it)")


def _add_warehouse_parser(sub: argparse._SubParsersAction) -> None:
    wh = sub.add_parser("warehouse", help="the warehouse's schema version: status, migrate, backup")
    wh_sub = wh.add_subparsers(dest="warehouse_command", required=True, metavar="ACTION")
    wh_status = wh_sub.add_parser("status", help="schema version, applied and pending migrations")
    wh_migrate = wh_sub.add_parser(
        "migrate", help="apply the pending migrations now (every run starts by doing it)"
    )
    wh_migrate.add_argument(
        "--dry-run", action="store_true", help="show what would be applied; write nothing"
    )
    wh_backup = wh_sub.add_parser(
        "backup", help="copy the warehouse file safely (checkpoint, copy, check the copy)"
    )
    wh_backup.add_argument("path", help="the backup file to write (must not exist)")
    for action in (wh_status, wh_migrate, wh_backup):
        action.add_argument("--warehouse", help="DuckDB warehouse file")
        action.add_argument("--config", help="TOML config file (flags override it)")


def _add_sources_parser(sub: argparse._SubParsersAction) -> None:
    src = sub.add_parser("sources", help="logs in other formats: check how a sample maps")
    src_sub = src.add_subparsers(dest="sources_command", required=True, metavar="ACTION")
    src_check = src_sub.add_parser(
        "check", help="read a sample, show what maps where and what would be quarantined"
    )
    src_check.add_argument("root", help="the folder holding the source's log files")
    src_check.add_argument(
        "--kind", required=True, choices=["openai-log", "otel-genai", "langfuse-export"]
    )
    src_check.add_argument("--files", type=int, default=20, help="read at most this many files")
    src_check.add_argument(
        "--config",
        help="TOML config: field paths and feedback names of the [[sources]] entry with this root",
    )
    src_check.add_argument("--json", action="store_true", help="machine-readable output")


def _add_datasets_parser(sub: argparse._SubParsersAction) -> None:
    ds = sub.add_parser("datasets", help="published preference sets: list, show, diff")
    ds_sub = ds.add_subparsers(dest="datasets_command", required=True, metavar="ACTION")
    ds_list = ds_sub.add_parser("list", help="every version, newest last, and quarantined ones")
    ds_show = ds_sub.add_parser("show", help="one version's manifest in brief")
    ds_show.add_argument("version", help="vNNNN or latest")
    ds_diff = ds_sub.add_parser("diff", help="what changed between two versions")
    ds_diff.add_argument("a", help="vNNNN")
    ds_diff.add_argument("b", help="vNNNN or latest")
    for action in (ds_list, ds_show, ds_diff):
        action.add_argument("--datasets", help="root folder (or s3:// URI) of published datasets")
        action.add_argument("--name", help="dataset name (default: the config's dataset_name)")
        action.add_argument("--config", help="TOML config file (flags override it)")
        action.add_argument("--json", action="store_true", help="machine-readable output")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``badcase-loop`` console script."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per Prefect API call otherwise
    logging.getLogger("great_expectations").setLevel(logging.WARNING)  # config chatter
    # Starting the embedded Prefect server can be slow on small machines.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    # No internet on many hosts: the local server's telemetry would only log errors.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    try:
        if args.command == "run":
            return _run(args)
        if args.command == "demo":
            return _demo(args)
        if args.command == "generate-logs":
            return _generate(args)
        if args.command == "review":
            return _review(args)
        if args.command == "audit":
            return _audit(args)
        if args.command == "datasets":
            return _datasets(args)
        if args.command == "sources":
            return _sources(args)
        if args.command == "serve":
            return _serve(args)
        if args.command == "evaluate":
            return _evaluate(args)
        if args.command == "rl-prompts":
            return _rl_prompts(args)
        if args.command == "warehouse":
            return _warehouse(args)
        if args.command == "forget":
            return _forget(args)
        return _schema(args)
    except BadcaseError as exc:
        return _error(str(exc))
    except KeyboardInterrupt:
        return _error("interrupted")


def _generate(args: argparse.Namespace) -> int:
    from tasks.sample.generate import DEFAULT_START, generate_logs

    try:
        summary = generate_logs(
            args.out,
            args.interactions,
            seed=args.seed,
            days=args.days,
            corrupt_rate=args.corrupt_rate,
            start=args.start_date or DEFAULT_START,
            compress=args.gzip,
            max_rows_per_file=args.max_rows_per_file,
            long_sessions=args.long_sessions,
        )
    except ValueError as exc:
        return _error(str(exc))
    except OSError as exc:
        return _error(f"cannot write to {args.out}: {exc}")
    _say(
        f"wrote {summary.interactions} interactions ({summary.planted_bad} with planted "
        f"failures), {summary.events} events in {summary.files} files to {summary.out}"
    )
    if summary.corrupted_records:
        _say(f"injected {summary.corrupted_records} malformed records: {summary.corruptions}")
    _say("ground truth, expert repairs and the corruption list are beside the logs")
    return EXIT_OK


def _sources(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from flows.config import load_config
    from tasks.ingest.sources.check import check_source
    from tasks.ingest.sources.config import SourceConfig

    configured = load_config(args.config).sources if args.config else []
    root = str(Path(args.root).expanduser().resolve())
    source = next(
        (
            s
            for s in configured
            if s.kind == args.kind and str(Path(s.root).expanduser().resolve()) == root
        ),
        None,
    ) or SourceConfig(kind=args.kind, root=args.root)
    check = check_source(source, max_files=args.files)
    if args.json:
        _say(json.dumps(asdict(check), indent=1, default=str))
        return EXIT_OK
    _say(
        f"{check.kind} at {args.root}: read {check.files_read} of {check.files_found} files, "
        f"{check.records_read} records"
    )
    _say(
        f"  mapped:      {check.records_mapped} -> {check.interactions} interactions, "
        f"{check.events} events"
    )
    for reason, n in sorted(check.skipped.items()):
        _say(f"  skipped:     {n} {reason}")
    for reason, n in sorted(check.rejected.items()):
        _say(f"  quarantined: {n} {reason}")
    for line in check.reject_examples:
        _say(f"    {line}")
    for kind, record in check.sample.items():
        _say(f"first {kind} record, field by field:")
        for name, value in record.items():
            text = json.dumps(value, ensure_ascii=False, default=str)
            _say(f"  {name:<18} {text[:90] + ('...' if len(text) > 90 else '')}")
    return EXIT_OK


def _schema(args: argparse.Namespace) -> int:
    from tasks.ingest.records import RECORD_MODELS

    _say(json.dumps(RECORD_MODELS[args.kind].model_json_schema(), indent=2))
    return EXIT_OK


def _preflight(config) -> None:
    """Fail fast, in one line, on paths that cannot work (before Prefect starts)."""
    from contextlib import closing

    from tasks.ingest.ingest import discover_files
    from tasks.ingest.landing import is_remote
    from tasks.ingest.sources.translate import source_files
    from tasks.warehouse.db import connect, run_lock
    from tasks.warehouse.schema import read_state, refuse_unusable

    # With [[sources]] configured, the native landing root is optional.
    if not config.sources or is_remote(config.landing) or Path(config.landing).exists():
        discover_files(config.landing)
    for source in config.sources:
        source_files(source)
    warehouse = str(Path(config.warehouse).expanduser().resolve())
    # A warehouse this code must not touch (newer, edited migrations) stops here; pending
    # migrations are fine: the run applies them under its lock.
    with closing(connect(warehouse, check_schema=False)) as con:
        refuse_unusable(con, read_state(con), warehouse)
    # Another loop run on this warehouse: say so now, before Prefect starts (the flow
    # itself takes the lock for the whole run; this only checks that it is free).
    with run_lock(str(Path(config.warehouse).expanduser().resolve()), "preflight", 0):
        pass


def _execute(config) -> int:
    from flows.loop import bad_case_loop

    _preflight(config)
    try:
        summary = bad_case_loop(config)
    except BadcaseError:
        raise
    except Exception as exc:
        sys.stderr.write(f"badcase-loop: the run failed: {type(exc).__name__}: {exc}\n")
        return EXIT_FAILED
    # The run is over: keep Prefect's shutdown chatter from burying the report.
    logging.getLogger("prefect").setLevel(logging.WARNING)
    _report(summary)
    return EXIT_OK


def _report(summary) -> None:
    from flows.report import RunReport

    _say("")
    _say(RunReport.from_summary(summary).to_text())


def _review(args: argparse.Namespace) -> int:
    from contextlib import closing

    from flows.config import load_config
    from tasks.judge.calibration import update_judge_agreement
    from tasks.repair.review import KINDS, export_review, import_review, queue_counts
    from tasks.warehouse.db import connect

    config = load_config(args.config, warehouse=args.warehouse)
    with closing(connect(config.warehouse)) as con:
        if args.review_command == "export":
            try:
                summary = export_review(con, args.out, tuple(args.kind or KINDS), config.privacy)
            except OSError as exc:
                return _error(f"cannot write {args.out}: {exc}")
            kinds = ", ".join(f"{k} {n}" for k, n in summary.by_kind.items()) or "none pending"
            _say(
                f"exported {summary.items} items ({kinds}) to {summary.jsonl} "
                f"(also {summary.csv}, {summary.label_studio})"
            )
            return EXIT_OK
        summary = import_review(con, args.file)
        _say(
            f"imported {summary.imported} of {summary.rows} rows from {summary.file} "
            f"({summary.already_imported} already imported, {summary.not_reviewed} not "
            "reviewed yet)"
        )
        for kind, states in queue_counts(con).items():
            _say(f"  queue {kind}: " + ", ".join(f"{s} {n}" for s, n in states.items()))
        for a in update_judge_agreement(con):
            if a.scene == "*":
                kappa = "n/a" if a.kappa is None else f"{a.kappa:.2f}"
                _say(
                    f"  {a.judge} ({a.model}): kappa {kappa} vs people on {a.labels} labels "
                    f"(agreement {a.agreement:.2f})"
                )
    return EXIT_OK


def _audit(args: argparse.Namespace) -> int:
    from contextlib import closing

    from flows.config import load_config
    from flows.report import render_audit
    from tasks.audit.audit import export_audit, import_audit
    from tasks.warehouse.db import connect

    config = load_config(args.config, warehouse=args.warehouse)
    with closing(connect(config.warehouse)) as con:
        if args.audit_command == "export":
            if args.per_stratum is not None and args.per_stratum < 1:
                return _error("--per-stratum must be at least 1")
            try:
                done = export_audit(con, args.out, config.evidence, args.per_stratum)
            except OSError as exc:
                return _error(f"cannot write {args.out}: {exc}")
            _say(
                f"audit {done.audit_id}: {done.items} items from {len(done.strata)} strata "
                f"written to {done.export.jsonl} (also {done.export.csv}); label each bad, "
                "acceptable or good, then run 'badcase-loop audit import'"
            )
            return EXIT_OK
        done = import_audit(con, args.file)
        _say(
            f"imported {done.review.imported} of {done.review.rows} rows from {args.file} "
            f"({done.review.not_reviewed} not labelled yet)"
        )
        _say(render_audit(done.estimates) if done.estimates else "no labelled audit items yet")
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    from flows.config import load_config

    config = load_config(
        args.config, landing=args.landing, warehouse=args.warehouse, datasets=args.datasets
    )
    _preflight(config)
    from deployments.serve import serve_all

    api = os.environ.get("PREFECT_API_URL")
    _say(
        "serving nightly-bad-case-loop/nightly, nightly-bad-case-loop/on-new-logs, "
        "watch-landing/watch-landing and train-on-preference-set/on-publish against "
        + (api or "a temporary local Prefect server (set PREFECT_API_URL to keep runs)")
        + "; Ctrl-C stops"
    )
    serve_all(config)
    return EXIT_OK


def _evaluate(args: argparse.Namespace) -> int:
    from flows.config import load_config
    from flows.evaluate import (
        EvaluateConfig,
        check_evaluation,
        evaluate_candidate,
        render_evaluation,
        with_candidate,
    )

    config = load_config(args.config, warehouse=args.warehouse, evalsets=args.evalsets)
    settings = config.evaluate_config()
    if args.evalset:
        settings["evalset"] = args.evalset
    settings["version"] = args.version
    evaluate = with_candidate(EvaluateConfig.model_validate(settings), args.base_url, args.model)
    check_evaluation(evaluate)  # a user error is one line, before Prefect starts
    try:
        evaluation = evaluate_candidate(evaluate)
    except BadcaseError:
        raise
    except Exception as exc:
        sys.stderr.write(f"badcase-loop: the evaluation failed: {type(exc).__name__}: {exc}\n")
        return EXIT_FAILED
    logging.getLogger("prefect").setLevel(logging.WARNING)
    if args.json:
        _say(json.dumps(asdict(evaluation), default=str, indent=1))
    else:
        _say(render_evaluation(evaluation).rstrip())
    return EXIT_OK if evaluation.decision == "promote" else EXIT_REJECTED


def _rl_prompts(args: argparse.Namespace) -> int:
    from flows.config import load_config
    from flows.rlprompts import build_rl_prompts

    config = load_config(args.config, warehouse=args.warehouse, datasets=args.datasets)
    overrides = {"policy_base_url": args.policy_base_url, "policy_model": args.policy_model}
    rl = config.rl.model_copy(update={k: v for k, v in overrides.items() if v})
    if rl.policy() is None:
        return _error("rl-prompts needs the current model: --policy-base-url and --policy-model")
    from tasks.evaluate.candidate import require_judge
    from tasks.llm.client import resolve_llm

    require_judge(
        resolve_llm(config.llm), "scoring RL prompt samples"
    )  # a user error is one line, before Prefect starts
    summary = build_rl_prompts(config.model_copy(update={"rl": rl}))
    logging.getLogger("prefect").setLevel(logging.WARNING)
    c, p = summary.calibration, summary.published
    _say(
        f"{c.prompts} prompts x {rl.samples} samples: kept {c.kept} in {rl.band[0]}-"
        f"{rl.band[1]}, too easy {c.too_easy}, too hard {c.too_hard}, unsettled {c.unsettled}"
    )
    _say(f"RL prompt set: {p.status} {p.version or ''} {p.path or ''}".rstrip())
    return EXIT_OK


def _warehouse(args: argparse.Namespace) -> int:
    from contextlib import closing

    from flows.config import load_config
    from tasks.errors import WarehouseError
    from tasks.warehouse.db import connect, run_lock
    from tasks.warehouse.schema import backup_warehouse, migrate, read_state, refuse_unusable

    config = load_config(args.config, warehouse=args.warehouse)
    where = str(Path(config.warehouse).expanduser().resolve())
    if not Path(where).is_file():
        raise WarehouseError(f"no warehouse at {where}")
    if args.warehouse_command == "status":
        with closing(connect(where, read_only=True)) as con:
            return _warehouse_status(con, where)
    # Between runs only: a run in progress holds the run lock.
    with (
        run_lock(where, f"warehouse-{args.warehouse_command}", 0),
        closing(connect(where, check_schema=False)) as con,
    ):
        if args.warehouse_command == "backup":
            target = backup_warehouse(con, where, args.path)
            _say(f"backed up {where} to {target}")
            _say(f"restore: with no run going, copy it back over {where}")
            return EXIT_OK
        if args.dry_run:
            state = read_state(con)
            refuse_unusable(con, state, where)
            _say(_pending_line(state))
            return EXIT_OK
        result = migrate(con, where)
    if not result.applied:
        _say(f"{where}: schema {result.to_version:04d}, up to date; nothing to apply")
        return EXIT_OK
    _say(
        f"{where}: schema {result.from_version:04d} -> {result.to_version:04d}, applied "
        + ", ".join(result.applied)
        + (" (a 0.1.0 warehouse adopted as the baseline: its rows kept)" if result.adopted else "")
    )
    if result.backup:
        _say(f"backup taken before the data rewrite: {result.backup}")
    return EXIT_OK


def _pending_line(state) -> str:
    if not state.pending:
        return f"up to date: nothing to apply (schema {state.version:04d})"
    parts = []
    for m in state.pending:
        note = " (rewrites data: backed up first)" if m.rewrites_data else ""
        if m.version == 1 and state.legacy:
            note = " (adopts the 0.1.0 tables as they are: no row changes)"
        parts.append(m.label + note)
    return f"{len(parts)} pending, applied in one transaction: " + ", ".join(parts)


def _warehouse_status(con, where: str) -> int:
    from tasks.errors import WarehouseSchemaError
    from tasks.warehouse.schema import code_version, last_run, read_state, refuse_unusable

    state = read_state(con)
    size = Path(where).stat().st_size
    _say(f"warehouse {where} ({size / 1e6:.1f} MB)")
    if state.legacy:
        _say("schema: none recorded, written by badcase-loop 0.1.0 (before schema versions)")
    elif state.fresh:
        _say("schema: none, an empty warehouse (the first run creates its tables)")
    else:
        _say(f"schema: {state.version:04d}")
    _say(f"this badcase-loop {code_version()} ships schemas up to {state.known[-1].label}")
    for a in state.applied:
        _say(
            f"  {a.label:<28} {a.how:<8} {a.applied_at:%Y-%m-%d %H:%M:%S} by badcase-loop "
            f"{a.code_version}"
        )
    r = last_run(con, state)
    if r:
        _say(f"last run: {r['run_id']} {r['status']}, started {r['started_at']:%Y-%m-%d %H:%M}")
    try:
        refuse_unusable(con, state, where)
    except WarehouseSchemaError as exc:
        return _error(str(exc))
    _say(_pending_line(state))
    if state.pending:
        _say("apply: 'badcase-loop warehouse migrate' (the next 'badcase-loop run' does it too)")
    return EXIT_OK


def _datasets(args: argparse.Namespace) -> int:
    from flows.config import load_config
    from tasks.publish.publish import diff_versions, list_versions, read_manifest
    from tasks.publish.store import Store

    config = load_config(args.config, datasets=args.datasets)
    name = args.name or config.dataset_name
    store = Store(config.datasets)
    if args.datasets_command == "list":
        rows = list_versions(store, name)
        if args.json:
            _say(json.dumps(rows, indent=1))
            return EXIT_OK
        if not rows:
            _say(f"no versions of {name} under {config.datasets}")
            return EXIT_OK
        _say(
            f"{'version':<22} {'status':<12} {'pairs':>7} {'kto':>7} {'added':>6} "
            f"{'removed':>7}  created                     hash"
        )
        for r in rows:
            mark = " (LATEST)" if r["latest"] else ""
            _say(
                f"{r['version'] + mark:<22} {r['status']:<12} {r['pairs']:>7} {r['kto_rows']:>7} "
                f"{r['added']:>6} {r['removed']:>7}  {r['created_at'][:26]:<26}  "
                f"{r['content_hash'][:12]}"
            )
        return EXIT_OK
    if args.datasets_command == "show":
        m = read_manifest(store, name, args.version)
        if args.json:
            _say(json.dumps(m, indent=1, ensure_ascii=False))
            return EXIT_OK
        _show_version(name, m)
        return EXIT_OK
    d = diff_versions(read_manifest(store, name, args.a), read_manifest(store, name, args.b))
    if args.json:
        _say(json.dumps(d, indent=1))
        return EXIT_OK
    _say(f"{name} {d['from']} -> {d['to']}" + (" (same content)" if d["same_content"] else ""))
    _say(
        f"  pairs {d['pairs'][0]} -> {d['pairs'][1]}: {len(d['added'])} added, "
        f"{len(d['removed'])} removed; KTO rows {d['kto_rows'][0]} -> {d['kto_rows'][1]}"
    )
    for scene, (a, b) in d["scenes"].items():
        if a != b:
            _say(f"  {scene}: {a} -> {b}")
    for pid in d["added"][:20]:
        _say(f"  + {pid}")
    for pid in d["removed"][:20]:
        _say(f"  - {pid}")
    return EXIT_OK


def _show_version(name: str, m: dict) -> None:
    """``datasets show``: a version's counts, composition, validation, lineage and files."""
    from tasks.publish.publish import composition_lines

    c, v = m["counts"], m["validation"]
    _say(f"{name} {m['version']} ({m['status']}), parent {m['parent'] or '-'}, {m['created_at']}")
    _say(
        f"  pairs {c['pairs']} ({m['added']} added, {m['removed']} removed); KTO rows "
        f"{c['kto']} ({c['kto_desirable']} desirable, {c['kto_undesirable']} undesirable)"
    )
    _say("  scenes: " + ", ".join(f"{k} {n}" for k, n in m["scenes"].items()))
    _say("  chosen from: " + ", ".join(f"{k} {n}" for k, n in m["sources"].items()))
    _say("  composition:")
    for line in composition_lines(m.get("composition")).splitlines():
        _say("    " + line.removeprefix("- "))
    _say(f"  content hash {m['content_hash']}")
    _say(
        f"  validation: {'passed' if v['success'] else 'FAILED'} ({v['expectations']} "
        "expectations)" + "".join(f"\n    - {f}" for f in v["failures"])
    )
    lineage = m["lineage"]
    _say(
        f"  lineage: {len(lineage['input_files'])} input files, "
        f"config {lineage['config_hash']}, "
        f"judges {[j['model'] for j in lineage['judges']]}, "
        f"rewriters {[r['model'] for r in lineage['rewriters']]}"
    )
    for path, meta in m["files"].items():
        _say(f"  {path}  {meta['bytes']} bytes  sha256 {meta['sha256'][:16]}")


def _run(args: argparse.Namespace) -> int:
    from flows.config import load_config

    config = load_config(
        args.config, landing=args.landing, warehouse=args.warehouse, datasets=args.datasets
    )
    return _execute(config)


def _demo(args: argparse.Namespace) -> int:
    from flows.config import LoopConfig
    from tasks.llm.client import resolve_llm
    from tasks.sample.generate import generate_logs

    work = Path(args.workdir).expanduser().resolve()
    landing = work / "landing"
    _say(f"demo: generating {args.interactions} sample interactions in {landing} ...")
    gen = generate_logs(landing, args.interactions, seed=args.seed, days=3, corrupt_rate=0.01)
    _say(
        f"demo: {gen.interactions} interactions ({gen.planted_bad} planted failures), "
        f"{gen.events} events, {gen.corrupted_records} malformed records injected"
    )
    config = LoopConfig(
        landing=str(landing),
        warehouse=str(work / "warehouse.duckdb"),
        datasets=str(work / "datasets"),
    )
    online = resolve_llm(config.llm) is not None
    mode = "with the configured LLM" if online else "offline: no API key needed"
    _say(f"demo: running the loop once ({mode}) ...")
    code = _execute(config)
    if code != EXIT_OK:
        return code
    _say("")
    _say(
        "demo: SIMULATING the human expert step: the review queue is exported, filled in "
        "with the generator's expert repairs (landing/expert_repairs.jsonl; cases with no "
        "planted failure are marked 'acceptable') and imported, as people would do with "
        "'badcase-loop review export' and 'review import'"
    )
    repaired, acceptable = _simulate_experts(config.warehouse, landing, work / "review")
    _say(f"demo: imported {repaired} expert repairs and {acceptable} 'acceptable' labels")
    _say("demo: running the loop again to collect them ...")
    return _execute(config)


def _simulate_experts(warehouse: str, landing: Path, folder: Path) -> tuple[int, int]:
    """Fill the exported expert items from the generator's repairs and import them."""
    from contextlib import closing

    from tasks.repair.review import export_review, import_review
    from tasks.sample.generate import expert_answers
    from tasks.warehouse.db import connect

    answers = expert_answers(landing)
    todo, done = folder / "expert-todo.jsonl", folder / "expert-done.jsonl"
    with closing(connect(warehouse)) as con:
        export_review(con, todo, ("expert_repair",))
        rows = [json.loads(line) for line in todo.read_text(encoding="utf-8").splitlines()]
        for row in rows:
            row.update(reviewer="demo-expert (simulated)", reviewed_at=_now_iso())
            if row["interaction_id"] in answers:
                row["rewrite"] = answers[row["interaction_id"]]
            else:
                row["label"] = "acceptable"
        done.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
        import_review(con, done)
    repaired = sum(1 for r in rows if r.get("rewrite"))
    return repaired, len(rows) - repaired


def _now_iso() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat()


if __name__ == "__main__":
    raise SystemExit(main())
