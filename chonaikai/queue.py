"""The one place tasks are sent to the Celery workers: `enqueue(task, *args, **kwargs)`.

When the broker (Redis) cannot be reached, `enqueue` raises QueueUnavailable with a Japanese
message instead of letting kombu's or redis's exception become a 500: pages show the message, the
API answers 503 (api.errors), and nothing was queued, so the user can simply try again later.

Tasks are sent with ignore_result: nothing in this project waits on Celery's result backend.
Progress and outcomes go through the cache and the database (e.g. associations.tasks.import_progress).
That matters when Redis is down: the redis result backend retries for about 20 seconds before it
gives up, while a failed publish is reported within a second.

Without a broker (CELERY_TASK_ALWAYS_EAGER, the demo and the tests) the task runs here and now,
and its own exceptions propagate unchanged.
"""

from __future__ import annotations

import logging

from celery import current_app
from django.utils.translation import gettext_lazy as _
from kombu.exceptions import OperationalError

try:  # celery[redis]; other brokers raise kombu's OperationalError
    from redis.exceptions import RedisError
except ImportError:  # pragma: no cover
    RedisError = OperationalError

logger = logging.getLogger(__name__)

# What publishing raises when the broker is down or unreachable.
BROKER_ERRORS = (OperationalError, RedisError, OSError)


class QueueUnavailable(Exception):
    """The task queue cannot be reached; the task was not queued. `status_code` is for the API."""

    status_code = 503
    default_message = _(
        "バックグラウンド処理の受付（待ち行列）に接続できないため、この処理を開始できませんでした。"
        "しばらくしてからもう一度お試しください。続く場合はシステム管理者に連絡してください。"
    )

    def __init__(self, message=None):
        super().__init__(message or self.default_message)

    @property
    def message(self) -> str:
        return str(self.args[0])

    def __str__(self) -> str:
        return self.message


def task_named(name: str):
    """The Celery task registered as `name`.

    Services send tasks by name (enqueue("app.tasks.x_task", …)), so that no service imports a
    tasks module: tasks call services, never the reverse. The first time a name is not known yet,
    the apps' tasks modules are imported (Celery's autodiscovery, as a worker does when it starts);
    a name no app registers raises celery.exceptions.NotRegistered.
    """
    app = current_app
    if name not in app.tasks:
        app.loader.import_default_modules()
    return app.tasks[name]


def enqueue(task, *args, task_id: str | None = None, **kwargs) -> str:
    """Queue `task` (a Celery task, or the name it is registered under) with these arguments;
    return the task's id.

    Arguments must be JSON values (ids, ISO dates), never model instances. Call it from
    `transaction.on_commit` when the task reads rows written in the current transaction; a
    QueueUnavailable raised there reaches whoever ends the outermost atomic block.
    """
    if isinstance(task, str):
        task = task_named(task)
    if task.app.conf.task_always_eager:
        return task.apply_async(args=args, kwargs=kwargs, task_id=task_id).id
    try:
        result = task.apply_async(args=args, kwargs=kwargs, task_id=task_id, ignore_result=True)
    except BROKER_ERRORS as e:
        logger.error("Could not queue %s: the broker is unreachable (%s)", task.name, e)
        raise QueueUnavailable() from e
    return result.id
