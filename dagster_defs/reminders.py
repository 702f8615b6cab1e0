"""Reminders (issue #17): the one place they are scheduled — a daily job over the API store.

Why Dagster and not a timer inside the API: the API runs as several workers (each would fire), restarts with
every deploy (a timer would skip or repeat a day), and has no run history. Dagster already schedules the
platform's other jobs in the bureaus' time zone, records every run with its logs, retries from its UI, and
runs one instance. The work itself is ``api.office.services.reminders.run`` (idempotent per user, kind and
day), so a run repeated by hand sends nothing twice."""

import dagster as dg

from dagster_defs.api_store import _store_exists
from zhifa.clock import LOCAL_TIMEZONE, today
from zhifa.settings import get_settings


class RemindersConfig(dg.Config):
    database_url: str = ""  # empty: the platform's API store


@dg.op(
    description="Write the day's digest and due-soon messages and the licence holders' renewal notices, then "
    "send them to the configured webhook."
)
def send_reminders(context: dg.OpExecutionContext, config: RemindersConfig) -> dg.Output[None]:
    from api.capture.services.clock_store import session_factory
    from api.core.config import NotifySettings
    from api.db import make_engine
    from api.office.services import reminders
    from api.platform.services import notifiers

    settings = get_settings()
    url = config.database_url or settings.api_database_url
    if not _store_exists(url):
        return dg.Output(None, metadata={"note": "no API store yet"})
    engine = make_engine(url, pool_size=1)
    try:
        factory = session_factory(engine, settings.audit_secret, settings.audit_checkpoints_path)
        report = reminders.run(factory, today(), notifiers.configured(NotifySettings()))
    finally:
        engine.dispose()
    if report.failed:
        context.log.warning(f"undelivered messages (kept in-app, retried next run): {report.failed}")
    holders = report.holders
    if holders.failed:
        context.log.warning(f"undelivered licence holder notices (retried next run): {holders.failed}")
    if holders.without_phone:
        context.log.warning(
            f"licences in their renewal window without a contact phone: {holders.without_phone}"
        )
    return dg.Output(
        None,
        metadata={
            "day": report.day.isoformat(),
            "written": report.written,
            "already": report.already,
            "delivered": report.delivered,
            "undelivered": len(report.failed),
            "holder_notices_written": holders.written,
            "holder_notices_delivered": holders.delivered,
            "holder_notices_undelivered": len(holders.failed),
            "licences_without_phone": len(holders.without_phone),
        },
    )


@dg.job(description="Daily reminders: in-app messages always, the webhook when configured.")
def reminders_job() -> None:
    send_reminders()


daily_reminders = dg.ScheduleDefinition(
    name="daily_reminders",
    job=reminders_job,
    cron_schedule="0 8 * * *",  # before the working day starts
    execution_timezone=LOCAL_TIMEZONE,
    default_status=dg.DefaultScheduleStatus.STOPPED,  # like the API refresh: on once the API store is in use
)

defs = dg.Definitions(jobs=[reminders_job], schedules=[daily_reminders])
