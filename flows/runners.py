"""Where the LLM-bound stages run: in the flow's process, or on a Dask cluster.

The flow calls every stage the same way; ``llm_stage_runner`` decides where the
LLM-bound ones (judge-with-llm, rewrite-bad-cases) execute. On Dask the task is
submitted through prefect-dask's task runner, so it is still one Prefect task run
with its logs, state and artifacts in the dashboard; it runs in a worker process
(on this machine for a local cluster, anywhere for a remote one) that opens the
warehouse and the LLM client itself. Stages still run one at a time, so the
warehouse keeps its single writer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from prefect import Task
from prefect.utilities.callables import get_call_parameters

from flows.config import OrchestrationSettings
from tasks.errors import ConfigError

R = TypeVar("R")
StageRunner = Callable[..., Any]


@contextmanager
def llm_stage_runner(settings: OrchestrationSettings) -> Iterator[StageRunner]:
    """Yield ``run(task, *args, **kwargs)`` that runs a task where the settings say.

    ``local``: the task runs in the flow's process, like every other stage.
    ``dask``: the task is submitted to a Dask cluster (``dask_address``, or a local
    cluster of ``dask_workers`` processes started here and stopped on exit) and the
    call waits for its result; a failure raises here as it would locally.
    """
    if settings.task_runner == "local":
        yield _run_inline
        return
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ConfigError(
            "orchestration.task_runner = 'dask' needs prefect-dask: "
            "pip install 'badcase-loop[dask]'"
        ) from exc
    if settings.dask_address:
        runner = DaskTaskRunner(address=settings.dask_address)
    else:
        runner = DaskTaskRunner(
            cluster_kwargs={
                "n_workers": settings.dask_workers,
                "threads_per_worker": 1,
                "processes": True,
                "dashboard_address": None,
            }
        )
    with runner:

        def run_on_dask(task: Task[..., R], *args: Any, **kwargs: Any) -> R:
            parameters = get_call_parameters(task.fn, args, kwargs)
            return runner.submit(task, parameters).result()

        yield run_on_dask


def _run_inline(task: Task[..., R], *args: Any, **kwargs: Any) -> R:
    return task(*args, **kwargs)
