"""`flask jobs worker | run-pending | failed | retry ID`: the operator's side of the queue."""

from __future__ import annotations

import logging
import uuid

import click
from flask import current_app
from flask.cli import AppGroup

from journal import jobs

jobs_cli = AppGroup("jobs", help="The job queue: mail, reminders, clean-ups.")


@jobs_cli.command("worker")
@click.option("--workers", default=2, show_default=True, help="Jobs run at once (threads).")
@click.option(
    "--no-periodic", is_flag=True, help="Do not start the scheduled jobs from this worker."
)
def worker(workers: int, no_periodic: bool) -> None:
    """Run the jobs as they are queued, and the scheduled ones (beside gunicorn)."""
    logging.getLogger("huey").setLevel(logging.INFO)
    queue = jobs.queue(current_app)
    consumer = queue.huey.create_consumer(
        workers=workers, worker_type="thread", periodic=not no_periodic, check_worker_health=True
    )
    consumer.run()


@jobs_cli.command("run-pending")
def run_pending() -> None:
    """Run every job that is ready now, once, and exit (a cron job can do this instead
    of a worker)."""
    done = jobs.queue(current_app).run_pending()
    click.echo(f"{done} job(s) run.")


@jobs_cli.command("failed")
def failed() -> None:
    """The jobs that failed on every retry, newest first."""
    rows = jobs.failed()
    if not rows:
        click.echo("No failed jobs.")
        return
    for row in rows:
        click.echo(
            f"{row.id}  {row.failed_at:%Y-%m-%d %H:%M}Z  {row.name}({row.args})  "
            f"{row.error} after {row.attempts} tries"
        )


@jobs_cli.command("retry")
@click.argument("job_id")
def retry(job_id: str) -> None:
    """Queue a failed job again (its id from `flask jobs failed`)."""
    try:
        key = uuid.UUID(job_id)
    except ValueError as exc:
        raise click.ClickException("That is not a job id from `flask jobs failed`.") from exc
    if not jobs.retry_failed(key):
        raise click.ClickException("No failed job with that id (or it could not be queued).")
    click.echo("Queued again.")
