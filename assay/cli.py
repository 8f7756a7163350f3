"""The ``assay`` command: serve, demo, migrate, createadmin."""

from __future__ import annotations

import os
import sys
import time

import click


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "assay.settings")
    import django

    django.setup()


def _is_sqlite() -> bool:
    from django.db import connection

    return connection.vendor == "sqlite"


def _pending_migrations() -> list[str]:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


def _migrate(verbosity: int = 0) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)


def _ready_schema() -> None:
    """SQLite migrates itself on start; PostgreSQL must be migrated as a separate step."""
    pending = _pending_migrations()
    if not pending:
        return
    if _is_sqlite():
        _migrate()
        return
    click.echo(
        f"The database schema is out of date ({len(pending)} migration(s) pending). "
        "Run `assay migrate` first, then start the server.",
        err=True,
    )
    sys.exit(2)


def _serve(
    host: str, port: int, threads: int, started: float | None = None, workers: int = 1
) -> None:
    url = f"http://{host}:{port}/"
    click.echo(f"Assay is serving at {url}  (Ctrl+C to stop)")
    if started is not None:
        click.echo(f"Ready in {time.monotonic() - started:.1f} s")
    if workers > 1:
        _serve_processes(host, port, threads, workers)
        return
    from waitress import serve

    from assay.wsgi import application

    serve(application, host=host, port=port, threads=threads, ident="assay")


def gunicorn_options(
    host: str, port: int, threads: int, workers: int, app: str = "assay.wsgi:application"
) -> list[str]:
    """gunicorn's command-line options as ``assay serve`` uses them (the allocation
    benchmark serves its bare reference server with the same ones)."""
    return [
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread" if threads > 1 else "sync",
        # Each request on a new connection, so the kernel spreads them over the workers:
        # with keep-alive, the first worker to wake would hold every client's connection.
        "--keep-alive",
        "0",
        "--error-logfile",
        "-",
        "--log-level",
        "warning",
        app,
    ]


def _serve_processes(host: str, port: int, threads: int, workers: int) -> None:
    """Several worker processes (gunicorn, pre-forked): uses every core, unlike one process."""
    from django.db import connections
    from gunicorn.app.wsgiapp import WSGIApplication

    # The schema check above opened a connection; a forked worker would inherit its
    # socket, and workers serving requests on their main thread (sync workers) would
    # share it: one database session for every process, their results crossed.
    connections.close_all()

    sys.argv = ["assay", *gunicorn_options(host, port, threads, workers)]
    WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").run()


@click.group()
@click.version_option(package_name="assay")
def main() -> None:
    """Assay: the open expert-feedback exchange."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, help="Port to listen on.")
@click.option("--threads", default=8, show_default=True, help="Threads per worker process.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Worker processes; more than 1 uses gunicorn (Linux, macOS) to use every core.",
)
def serve(host: str, port: int, threads: int, workers: int) -> None:
    """Serve Assay (SQLite is migrated on start; PostgreSQL must be migrated first)."""
    _setup()
    _ready_schema()
    _serve(host, port, threads, workers=workers)


@main.command()
def migrate() -> None:
    """Create or update the database schema."""
    _setup()
    _migrate(verbosity=1)


@main.command()
@click.option("--email", prompt=True, help="The operator's email (their login).")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    envvar="ASSAY_ADMIN_PASSWORD",
    help="Password; prompted for if not given (or read from ASSAY_ADMIN_PASSWORD).",
)
def createadmin(email: str, password: str) -> None:
    """Create an operator account with access to the staff view at /admin/."""
    _setup()
    _ready_schema()
    from assay.actions.accounts import create_operator
    from assay.errors import AssayError

    try:
        user = create_operator(email=email, password=password)
    except AssayError as error:
        details = "; ".join(d.get("message", "") for d in error.details)
        raise click.ClickException(f"{error.message} {details}".strip()) from None
    click.echo(f"Operator {user.email} created. Sign in at /admin/.")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
@click.option("--seed-only", is_flag=True, help="Seed the database and exit without serving.")
def demo(host: str, port: int, seed_only: bool) -> None:
    """Create, migrate and seed a demo marketplace, then serve it."""
    started = time.monotonic()
    _setup()
    from django.conf import settings

    from assay.demo import seed

    _ready_schema()
    if seed.is_seeded():
        click.echo("Demo data is already in this database; reusing it.")
    else:
        click.echo("Seeding the demo marketplace…")
        seed.seed()
    click.echo(f"Database: {settings.DATABASES['default']['NAME']}")
    click.echo("Demo logins:")
    for login in seed.logins():
        click.echo(f"  {login.role:<10} {login.email:<28} password: {login.password}")
    if not seed_only:
        _serve(host, port, threads=8, started=started)


def _register() -> None:
    from assay.cli_alerts import notify
    from assay.cli_generate import generate
    from assay.cli_ledger import ledger
    from assay.cli_quality import refresh
    from assay.quality.cli import quality

    quality.add_command(refresh)
    main.add_command(notify)
    main.add_command(generate)
    main.add_command(ledger)
    main.add_command(quality)


_register()
