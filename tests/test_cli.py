"""The ``assay`` command, in-process and as a real subprocess."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from assay.cli import main
from assay.models import Item, Judgment, Organization, Project, User

ASSAY = str(Path(sys.executable).with_name("assay"))
POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSAY_")}
    return env | {"ASSAY_DATA_DIR": str(tmp_path)} | extra


@pytest.mark.django_db
def test_demo_seeds_a_small_marketplace_once() -> None:
    runner = CliRunner()
    first = runner.invoke(main, ["demo", "--seed-only"])
    assert first.exit_code == 0, first.output
    assert "operator@demo.assay.test" in first.output
    assert User.objects.filter(role="expert").count() == 4
    assert Organization.objects.count() == 1
    assert Project.objects.filter(status="published").count() == 2
    assert Item.objects.count() == 36
    assert Judgment.objects.count() == 6
    second = runner.invoke(main, ["demo", "--seed-only"])
    assert "already in this database" in second.output
    assert User.objects.filter(role="expert").count() == 4


@pytest.mark.django_db
def test_createadmin_makes_an_operator_and_rejects_bad_input() -> None:
    runner = CliRunner()
    made = runner.invoke(
        main, ["createadmin", "--email", "ops@x.test", "--password", "long-enough-pass"]
    )
    assert made.exit_code == 0, made.output
    assert User.objects.get(email="ops@x.test").is_staff
    again = runner.invoke(
        main, ["createadmin", "--email", "ops@x.test", "--password", "long-enough-pass"]
    )
    assert again.exit_code == 1
    assert "exists already" in again.output
    weak = runner.invoke(main, ["createadmin", "--email", "ops2@x.test", "--password", "123"])
    assert weak.exit_code == 1
    assert "password" in weak.output.lower()


def test_demo_serves_pages_from_a_fresh_directory(tmp_path: Path) -> None:
    port = free_port()
    started = time.monotonic()
    server = subprocess.Popen(  # noqa: S603 (our own console script)
        [ASSAY, "demo", "--port", str(port)],
        cwd=tmp_path,
        env=clean_env(tmp_path, ASSAY_DATA_DIR=str(tmp_path)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        body = ""
        while time.monotonic() - started < 60:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2) as page:
                    body = page.read().decode()
                break
            except OSError:
                time.sleep(0.1)
        assert "Sign in" in body
        assert (tmp_path / "assay.sqlite3").exists()
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=10)
    assert f"http://127.0.0.1:{port}/" in output
    assert "requester@demo.assay.test" in output


def test_serve_refuses_an_unmigrated_postgres_database(tmp_path: Path) -> None:
    name = f"assay_cli_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        url = f"postgres://postgres@127.0.0.1:5432/{name}"
        env = clean_env(tmp_path, ASSAY_DATABASE_URL=url)
        refused = subprocess.run(  # noqa: S603
            [ASSAY, "serve", "--port", str(free_port())],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert refused.returncode == 2
        assert "assay migrate" in refused.stderr
        migrated = subprocess.run(  # noqa: S603
            [ASSAY, "migrate"], env=env, capture_output=True, text=True, timeout=120, check=False
        )
        assert migrated.returncode == 0, migrated.stderr
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_EXPERTS_SCRIPT = """
import json, django
django.setup()
from assay.actions import accounts
from assay.actions.profiles import ProfileUpdate, update_profile
from assay.actions.tokens import create_token
tokens = {}
for n in range(6):
    user = accounts.sign_up_expert(email=f"w{n}@serve.test", password="serve-test-2026", name="W")
    update_profile(expert=user, update=ProfileUpdate(weekly_hours=10 + n))
    tokens[10 + n] = create_token(user=user, name="serve")[1]
print(json.dumps(tokens))
"""


@pytest.mark.parametrize("vendor", ["postgres", "sqlite"])
def test_serve_with_worker_processes_keeps_each_request_in_its_own_session(
    tmp_path: Path, vendor: str
) -> None:
    """Sync workers serve on their main thread: each must open its own database session,
    never one inherited from the server's start-up check (shared, it crosses results)."""
    name = f"assay_serve_{uuid.uuid4().hex[:8]}"
    database = f"sqlite:///{tmp_path}/serve.sqlite3"
    if vendor == "postgres":
        database = f"postgres://postgres@127.0.0.1:5432/{name}"
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    env = clean_env(tmp_path, ASSAY_DATABASE_URL=database, DJANGO_SETTINGS_MODULE="assay.settings")
    server = None
    try:
        run = {"env": env, "capture_output": True, "text": True, "timeout": 120, "check": True}
        subprocess.run([ASSAY, "migrate"], **run)  # type: ignore[call-overload]  # noqa: S603
        made = subprocess.run([sys.executable, "-c", _EXPERTS_SCRIPT], **run)  # type: ignore[call-overload]  # noqa: S603
        tokens = {int(hours): token for hours, token in json.loads(made.stdout).items()}
        port = free_port()
        server = subprocess.Popen(  # noqa: S603
            [ASSAY, "serve", "--port", str(port), "--workers", "3", "--threads", "1"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        url = f"http://127.0.0.1:{port}/api/v1/me/profile"
        wait_for(url)
        answers: list[tuple[int, int, int]] = []
        deadline = time.monotonic() + 60

        def ask(hours: int) -> None:
            request = urllib.request.Request(
                url, headers={"Authorization": f"Bearer {tokens[hours]}"}
            )
            for _ in range(40):
                if time.monotonic() > deadline:
                    return  # a wedged server: the missing answers fail the test
                try:
                    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                        answers.append(
                            (hours, response.status, json.load(response)["weekly_hours"])
                        )
                except urllib.error.HTTPError as error:
                    answers.append((hours, error.code, -1))
                except (OSError, ValueError, KeyError):  # a broken or garbled answer
                    answers.append((hours, 0, -1))

        threads = [threading.Thread(target=ask, args=(h,)) for h in tokens for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(answers) == 6 * 2 * 40
        assert [a for a in answers if a[1] != 200 or a[2] != a[0]] == []
    finally:
        if server is not None:
            server.send_signal(signal.SIGINT)
            server.communicate(timeout=60)
        if vendor == "postgres":
            with psycopg.connect(POSTGRES, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def wait_for(url: str) -> None:
    """Until the server answers at all (any HTTP status), for up to a minute."""
    started = time.monotonic()
    while time.monotonic() - started < 60:
        try:
            urllib.request.urlopen(url, timeout=2).close()  # noqa: S310
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the server did not start")
