"""The scheduler process (`python -m server.scheduler`): sends due subscribe messages every
`SCHEDULER_TICK_SECONDS`, seals and draws due lotteries as often (services.lottery), runs due
vacancy-alert rounds as often (services.vacancy_alerts), expires unclaimed
offers every minute (services.offers), and once a day purges personal data past its retention period
(`RETENTION_PURGE_HOUR_UTC`, services.retention). Run it as its own process, never inside web
workers; several may run at once.

Each tick writes a heartbeat (`server.scheduler.status`) that /api/v1/health reads, and its metrics go
to `PROMETHEUS_MULTIPROC_DIR` when set, where the API's /metrics on the same host shows them
(`server.metrics`)."""

import logging
import os
import signal
import socket
import threading
import uuid
from datetime import datetime, timezone

from apscheduler.schedulers.blocking import BlockingScheduler

log = logging.getLogger("server.scheduler")


def tick(app, worker_id, stop):
    """One round: expire claims of dead schedulers, then send what is due. A heartbeat (Redis, read
    by /api/v1/health and by the other schedulers to find dead claimers) is written at its start and
    end and at most once a second while sending; `scheduler_last_tick_timestamp_seconds` is set at its
    end."""
    from server.extensions import db
    from server.logs import request_id
    from server.metrics import SCHEDULER_LAST_TICK
    from server.scheduler.status import beat, dead_schedulers, heartbeat
    from server.services.dispatch import expire_stale_claims, send_due_messages

    # The lines of one tick share an id, as the lines of one request do.
    bound = request_id.set("tick-" + uuid.uuid4().hex[:12])
    with app.app_context():
        try:
            beat(worker_id)
            expired = expire_stale_claims(dead_workers=[w for w in dead_schedulers() if w != worker_id])
            if expired:
                log.warning("%d messages were left mid-send by a stopped scheduler; marked unknown", expired)
            counts = send_due_messages(worker_id, app.config["SCHEDULER_BATCH_SIZE"], stop, heartbeat(worker_id))
            if counts:
                log.info("sent due messages: %s", counts)
            beat(worker_id)
            SCHEDULER_LAST_TICK.set_to_current_time()
        finally:
            db.session.remove()
            request_id.reset(bound)


def purge(app):
    """The daily retention purge (services.retention). Idempotent: several schedulers may all run it."""
    from server.extensions import db
    from server.logs import request_id
    from server.services.retention import purge_personal_data
    from server.services.tokens import revoke_user_tokens

    bound = request_id.set("purge-" + uuid.uuid4().hex[:12])
    with app.app_context():
        try:
            result = purge_personal_data()
            db.session.commit()
            for user_id in result.expired_user_ids:
                revoke_user_tokens(user_id)
            log.info("retention purge: %s", result.as_dict())
        except Exception:
            db.session.rollback()
            log.exception("retention purge failed; the next day's run tries again")
        finally:
            db.session.remove()
            request_id.reset(bound)


def expire_offers(app):
    """Expire the offers past their deadline (services.offers); several schedulers may run it at once."""
    from server.extensions import db
    from server.logs import request_id
    from server.services.offers import expire_due_offers

    bound = request_id.set("offers-" + uuid.uuid4().hex[:12])
    with app.app_context():
        try:
            expired = expire_due_offers()
            if expired:
                log.info("expired %d unclaimed offers", expired)
        except Exception:
            log.exception("expiring offers failed; the next run tries again")
        finally:
            db.session.remove()
            request_id.reset(bound)


def vacancy_alerts(app, worker_id):
    """Run the due vacancy-alert rounds (services.vacancy_alerts): each round once across schedulers,
    its alerts queued as outbox messages in the round's own transaction."""
    from server.extensions import db
    from server.logs import request_id
    from server.services.vacancy_alerts import run_due_rounds

    bound = request_id.set("vacancy-" + uuid.uuid4().hex[:12])
    with app.app_context():
        try:
            rounds, alerted = run_due_rounds(worker_id)
            if rounds:
                log.info("vacancy alerts: %d rounds, %d people alerted", rounds, alerted)
        except Exception:
            db.session.rollback()
            log.exception("vacancy alerts failed; the next tick tries again")
        finally:
            db.session.remove()
            request_id.reset(bound)


def run(app, once=False):
    """Tick now and every SCHEDULER_TICK_SECONDS until SIGTERM or SIGINT; the sends in flight are
    finished and recorded before stopping (the rest of their batch goes back to pending). With
    `once`, do what is due now once (draw and seal lotteries, expire offers, run due vacancy-alert
    rounds, send messages: the messages those queued go out in the same run) and return."""
    from server.services.lottery import scheduled_draws

    worker_id = f"{socket.gethostname()}:{os.getpid()}"
    stop = threading.Event()
    if once:
        log.info("scheduler %s: one tick", worker_id)
        scheduled_draws(app)
        expire_offers(app)
        vacancy_alerts(app, worker_id)
        tick(app, worker_id, stop)
        return
    scheduler = BlockingScheduler(timezone=timezone.utc)
    scheduler.add_job(
        tick,
        "interval",
        args=(app, worker_id, stop),
        seconds=app.config["SCHEDULER_TICK_SECONDS"],
        next_run_time=datetime.now(timezone.utc),
        max_instances=1,
        coalesce=True,
        id="send_due_messages",
    )

    # Lotteries: seal those whose sign-up closed, draw those due (services/lottery.py; once, under locks).
    scheduler.add_job(
        scheduled_draws,
        "interval",
        args=(app,),
        seconds=app.config["SCHEDULER_TICK_SECONDS"],
        next_run_time=datetime.now(timezone.utc),
        max_instances=1,
        coalesce=True,
        id="draw_lotteries",
    )

    scheduler.add_job(
        vacancy_alerts,
        "interval",
        args=(app, worker_id),
        seconds=app.config["SCHEDULER_TICK_SECONDS"],
        next_run_time=datetime.now(timezone.utc),
        max_instances=1,
        coalesce=True,
        id="vacancy_alerts",
    )

    scheduler.add_job(
        purge,
        "cron",
        args=(app,),
        hour=app.config["RETENTION_PURGE_HOUR_UTC"],
        jitter=600,  # several schedulers need not start it at the same second
        max_instances=1,
        coalesce=True,
        id="purge_personal_data",
    )

    scheduler.add_job(
        expire_offers,
        "interval",
        args=(app,),
        minutes=1,
        max_instances=1,
        coalesce=True,
        id="expire_offers",
    )

    def request_stop(signum, _frame):
        log.info("signal %s: finishing the sends in flight, then stopping", signum)
        stop.set()
        scheduler.shutdown(wait=True)

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    log.info("scheduler %s ticking every %ss", worker_id, app.config["SCHEDULER_TICK_SECONDS"])
    scheduler.start()
