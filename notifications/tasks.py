"""Celery tasks: thin wrappers around services; they take ids and are safe to run twice."""

from celery import current_app, shared_task

from core.taskbase import BaseTask

from . import services


def _follow_up(delivery_id: int, result: services.SendResult) -> None:
    # Eager mode (demo, tests) has no timer to wait on; the sweeper retries there.
    if result.retry_in is not None and not current_app.conf.task_always_eager:
        send_delivery.apply_async((delivery_id,), countdown=result.retry_in)


@shared_task(base=BaseTask, name=services.SEND_DELIVERIES_TASK, time_limit=300, soft_time_limit=240)
def send_deliveries(delivery_ids: list[int]) -> dict:
    connections: dict = {}
    counts: dict[str, int] = {}
    for delivery_id in delivery_ids:
        result = services.send_delivery(delivery_id=delivery_id, connections=connections)
        counts[result.outcome.value] = counts.get(result.outcome.value, 0) + 1
        _follow_up(delivery_id, result)
    return counts


@shared_task(base=BaseTask, name="notifications.send_delivery", time_limit=120, soft_time_limit=90)
def send_delivery(delivery_id: int) -> str:
    result = services.send_delivery(delivery_id=delivery_id)
    _follow_up(delivery_id, result)
    return result.outcome.value


@shared_task(base=BaseTask, name="notifications.sweep_deliveries", time_limit=300, soft_time_limit=240)
def sweep_deliveries() -> int:
    ids = services.deliveries_to_requeue()
    if ids:
        services.enqueue_deliveries(ids)
    return len(ids)
