"""Serve every badcase-loop deployment in one process: ``badcase-loop serve``.

- ``nightly-bad-case-loop/nightly``: the loop on a cron schedule (02:00 UTC by default);
- ``nightly-bad-case-loop/on-new-logs``: the loop, triggered by ``badcase.logs.landed``;
- ``watch-landing/watch-landing``: every few minutes, announces new log files;
- ``train-on-preference-set/on-publish``: triggered by ``badcase.dataset.published``;
- ``evaluate-candidate/on-trained``: triggered by ``badcase.model.trained`` (the training
  flow announces the trained model when ``orchestration.candidate_base_url`` is set);
- ``build-rl-prompts/on-publish``: triggered by ``badcase.dataset.published`` (a no-op
  until ``[rl]`` names the current model's endpoint).

Both loop deployments enqueue rather than overlap (a Prefect concurrency limit of
one each), and every loop run holds the warehouse lock, waiting up to
``orchestration.run_wait_s`` for a run of the other deployment: never two loop
runs on one warehouse at once. Usable as a script too:
``python deployments/serve.py [--config FILE]``.
"""

from __future__ import annotations

import argparse
from datetime import timedelta

from prefect.client.schemas.objects import ConcurrencyLimitConfig
from prefect.client.schemas.schedules import CronSchedule
from prefect.deployments.runner import RunnerDeployment
from prefect.events import DeploymentEventTrigger

from flows.config import LoopConfig, load_config, serve_config
from flows.evaluate import evaluate_candidate
from flows.loop import PUBLISHED_EVENT, bad_case_loop
from flows.rlprompts import build_rl_prompts
from flows.train import TRAINED_EVENT, train_on_preference_set
from flows.watch import LANDED_EVENT, landing_resource, watch_landing

TAGS = ["badcase-loop"]


def build_deployments(config: LoopConfig) -> list[RunnerDeployment]:
    """The deployments ``serve`` runs, configured from ``config``."""
    o = config.orchestration
    served = config.model_copy(update={"lock_wait_s": max(config.lock_wait_s, o.run_wait_s)})
    params = {"config": served.model_dump(mode="json")}
    one_at_a_time = ConcurrencyLimitConfig(limit=1, collision_strategy="ENQUEUE")
    nightly = bad_case_loop.to_deployment(
        name="nightly",
        schedule=CronSchedule(cron=o.cron, timezone=o.timezone),
        parameters=params,
        concurrency_limit=one_at_a_time,
        description="The bad-case loop every night.",
        tags=TAGS,
    )
    on_new_logs = bad_case_loop.to_deployment(
        name="on-new-logs",
        triggers=[
            DeploymentEventTrigger(
                name="new logs landed",
                expect={LANDED_EVENT},
                match={
                    "prefect.resource.id": landing_resource(config.landing)["prefect.resource.id"]
                },
                parameters=params,
            )
        ],
        parameters=params,
        concurrency_limit=one_at_a_time,
        description="The bad-case loop whenever watch-landing announces new log files.",
        tags=TAGS,
    )
    watch = watch_landing.to_deployment(
        name="watch-landing",
        interval=timedelta(seconds=o.watch_interval_s),
        parameters={"config": config.model_dump(mode="json")},
        concurrency_limit=1,
        description="Announce new log files under the landing root (badcase.logs.landed).",
        tags=TAGS,
    )
    train = train_on_preference_set.to_deployment(
        name="on-publish",
        triggers=[
            DeploymentEventTrigger(
                name="preference set published",
                expect={PUBLISHED_EVENT},
                match={"prefect.resource.id": f"badcase.dataset.{config.dataset_name}"},
                # only the folder and its name: the command, the datasets root and the
                # candidate's endpoint come from the served configuration
                parameters={
                    "path": "{{ event.payload.path }}",
                    "version": "{{ event.payload.version }}",
                },
            )
        ],
        description="Check a newly published preference set and run the training command.",
        tags=TAGS,
    )
    evaluate = evaluate_candidate.to_deployment(
        name="on-trained",
        triggers=[
            DeploymentEventTrigger(
                name="model trained",
                expect={TRAINED_EVENT},
                parameters={
                    "config": config.evaluate_config(),
                    "base_url": "{{ event.payload.base_url }}",
                    "model": "{{ event.payload.model }}",
                },
            )
        ],
        concurrency_limit=1,
        description="Replay the regression eval set to a newly trained model and gate it.",
        tags=TAGS,
    )
    rl = build_rl_prompts.to_deployment(
        name="on-publish",
        triggers=[
            DeploymentEventTrigger(
                name="preference set published (RL prompts)",
                expect={PUBLISHED_EVENT},
                match={"prefect.resource.id": f"badcase.dataset.{config.dataset_name}"},
                parameters=params,
            )
        ],
        parameters=params,
        concurrency_limit=one_at_a_time,
        description="Calibrate bad-case prompts on the current model and publish an RL set.",
        tags=TAGS,
    )
    return [nightly, on_new_logs, watch, train, evaluate, rl]


def serve_all(config: LoopConfig) -> None:
    """Register the deployments and run them until interrupted.

    ``config`` becomes the served configuration (``$BADCASE_SERVED_CONFIG``) of every run
    this process starts: what a run parameter or an event cannot change.
    """
    from prefect import serve

    serve_config(config)
    serve(*build_deployments(config), print_starting_message=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="TOML config file")
    args = parser.parse_args()
    serve_all(load_config(args.config))


if __name__ == "__main__":
    main()
