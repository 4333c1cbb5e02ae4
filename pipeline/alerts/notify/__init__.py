"""Notification layer: Slack and e-mail notifiers, the daily digest, and outbox delivery.

Modules: `escape` (making scraped text safe), `base` (shared errors and wording), `slack`,
`email`, `digest`, `outbox` (`deliver_due`, the only entry point the scheduler needs).
"""

from pipeline.alerts.notify.base import DeliveryError, Notifier

__all__ = ["DeliveryError", "Notifier"]
