from django_tasks import task

from verwerker.audit.actors import Actor
from verwerker.portal.models import Order, OrderState


@task()
def release_order(order_id: int) -> dict:
    """Render an approved order's print files and put it in production. Idempotent (do_release_order)."""
    from verwerker.portal.actions import do_release_order  # local: same layer or upward, a cycle at the top

    order = do_release_order(Order.objects.get(pk=order_id), actor=Actor.system("portal production"))
    return {"order": order.pk, "state": order.state}


@task()
def release_approved_orders() -> dict:
    """Recovery: release every approved order a crash left unreleased."""
    from verwerker.portal.actions import do_release_order  # local: same layer or upward, a cycle at the top

    released = 0
    for order in Order.objects.filter(state=OrderState.APPROVED, released_at__isnull=True):
        do_release_order(order, actor=Actor.system("portal production"))
        released += 1
    return {"released": released}
