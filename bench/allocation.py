"""Drive the real server over HTTP with simulated experts looping next -> submit.

The server is started as a user would deploy it (``assay serve``), on SQLite
and on PostgreSQL, and loaded from separate processes on the same machine.

    .venv/bin/python bench/allocation.py [--experts 20,100,500] [--seconds 15]
        [--rate 100] [--databases sqlite,postgres] [--modes closed,open]
        [--workers 2] [--threads 8] [--reference]

Closed loop: K experts, no think time, for saturation throughput.
Open loop: a fixed offered rate of cycles per second spread over K experts,
latency measured from each cycle's scheduled start (no coordinated omission).
After each run the database is checked: items over their overlap, duplicate
judgments per expert and item, submissions acknowledged but not stored, and
server errors.

``--reference`` adds, after each row, the same load on a bare Django server under the
same gunicorn settings (``bench/bare_claim.py``: one claim statement for next, one insert
for submit, nothing else), so Assay's figures sit beside what Django and the database
alone reach on the same machine in the same run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from harness import setup_django

ASSAY = str(Path(sys.executable).with_name("assay"))
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Expert:
    """One simulated expert with a keep-alive connection."""

    def __init__(self, port: int, token: str, project_id: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.project_id = project_id

    def post(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.conn.request("POST", path, json.dumps(body), self.headers)
        response = self.conn.getresponse()
        data = response.read()
        return response.status, json.loads(data) if data else {}

    def cycle(self, out: dict[str, list[Any]]) -> bool:
        """next then submit; False when there is no task. A timeout is counted, not raised."""
        try:
            return self._cycle(out)
        except (TimeoutError, OSError, http.client.HTTPException):
            out["timeouts"].append(1)
            self.conn.close()
            return True

    def _cycle(self, out: dict[str, list[Any]]) -> bool:
        started = time.perf_counter()
        status, body = self.post("/api/v1/tasks/next", {"project_id": self.project_id})
        out["next"].append(time.perf_counter() - started)
        if status >= 500:
            out["errors"].append(status)
            return True
        task = body.get("task")
        if not task:
            return False
        key = uuid.uuid4().hex
        judgment = {
            "choice": "a",
            "strength": 2,
            "rationale": "A is better here.",
            "idempotency_key": key,
        }
        started = time.perf_counter()
        status, _ = self.post(f"/api/v1/tasks/{task['lease_id']}/judgment", judgment)
        out["submit"].append(time.perf_counter() - started)
        if status >= 500:
            out["errors"].append(status)
        elif status in (200, 201):
            out["acked"].append(key)
        return True


def _closed_worker(args: tuple[int, list[str], int, float]) -> dict[str, list[Any]]:
    port, tokens, project_id, seconds = args
    out: dict[str, list[Any]] = {
        "next": [],
        "submit": [],
        "errors": [],
        "acked": [],
        "timeouts": [],
    }
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def run(token: str) -> None:
        mine: dict[str, list[Any]] = {
            "next": [],
            "submit": [],
            "errors": [],
            "acked": [],
            "timeouts": [],
        }
        expert = Expert(port, token, project_id)
        while time.monotonic() < stop_at and expert.cycle(mine):
            pass
        with lock:
            for key, values in mine.items():
                out[key].extend(values)

    threads = [threading.Thread(target=run, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return out


def _open_worker(args: tuple[int, list[str], int, float, float]) -> dict[str, list[Any]]:
    """Start cycles at ``rate`` per second; each cycle takes an idle expert."""
    port, tokens, project_id, seconds, rate = args
    out: dict[str, list[Any]] = {
        "next": [],
        "submit": [],
        "errors": [],
        "acked": [],
        "late": [],
        "timeouts": [],
    }
    idle = [Expert(port, t, project_id) for t in tokens]
    lock = threading.Lock()
    threads = []
    began = time.perf_counter()
    for n in range(int(seconds * rate)):
        scheduled = began + n / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        with lock:
            expert = idle.pop() if idle else None
        if expert is None:
            out["late"].append(1)
            continue

        def run(expert: Expert = expert, scheduled: float = scheduled) -> None:
            mine: dict[str, list[Any]] = {
                "next": [],
                "submit": [],
                "errors": [],
                "acked": [],
                "timeouts": [],
            }
            queued = time.perf_counter() - scheduled
            expert.cycle(mine)
            with lock:
                out["next"].extend(v + queued for v in mine["next"])
                for key in ("submit", "errors", "acked", "timeouts"):
                    out[key].extend(mine[key])
                idle.append(expert)

        thread = threading.Thread(target=run)
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()
    return out


def prepare(database_url: str, items: int, experts: int) -> tuple[int, list[str]]:
    from django.db import connection

    from assay import clock
    from assay.actions import accounts, ledger, projects
    from assay.actions.tokens import create_token
    from assay.models import Item, Organization

    tag = uuid.uuid4().hex[:8]
    owner = accounts.sign_up_requester(
        email=f"owner-{tag}@bench.test",
        password="bench-password-2026",
        name="Owner",
        organization=f"Bench {tag}",
    )
    org = Organization.objects.get(name=f"Bench {tag}")
    treasurer = accounts.create_operator(email=f"ops-{tag}@bench.test", password="bench-pw-2026")
    ledger.deposit(  # publishing sets aside escrow for all planned work
        actor=treasurer, organization=org, amount_cents=10**11, currency="USD", key=f"b-{tag}"
    )
    terms = projects.ProjectTerms("Bench", "", 3, 100, 3)
    project = projects.create_project(actor=owner, organization=org, terms=terms, guidelines="g")
    now = clock.now()
    Item.objects.bulk_create(
        (
            Item(
                project=project,
                external_id=str(n),
                prompt=f"Question {n}: **why**?",
                response_a="Answer *A* with `code`.",
                response_b="Answer B.",
                created_at=now,
            )
            for n in range(items)
        ),
        batch_size=5000,
    )
    projects.publish_project(actor=owner, project=project)
    tokens = []
    for n in range(experts):
        expert = accounts.sign_up_expert(
            email=f"e{n}-{tag}@bench.test", password="bench-password-2026", name=f"E{n}"
        )
        tokens.append(create_token(user=expert, name="bench")[1])
    connection.close()
    return project.id, tokens


def verify(project_id: int, acked: list[str]) -> dict[str, int]:
    from django.db.models import Count, F

    from assay.models import Item, Judgment

    over = Item.objects.filter(project_id=project_id, judgment_count__gt=F("project__overlap"))
    dupes = (
        Judgment.objects.filter(project_id=project_id)
        .values("expert_id", "item_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    stored = set(
        Judgment.objects.filter(project_id=project_id).values_list("idempotency_key", flat=True)
    )
    return {
        "over_overlap": over.count(),
        "duplicates": dupes.count(),
        "lost": sum(1 for key in acked if key not in stored),
    }


def peak_rss_mib(pid: int) -> float:
    """Peak resident memory of the server: its process and any worker processes, summed."""
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    total = 0
    for each in pids:
        for line in Path(f"/proc/{each}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                total += int(line.split()[1])
    return total / 1024


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User and system CPU time of each of these processes so far, in seconds."""
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended
        found[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return found


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds spent between two readings; processes started in between count whole."""
    return sum(spent - before.get(pid, 0.0) for pid, spent in after.items())


def server_pids(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [pid] + ([int(p) for p in children.read_text().split()] if children.exists() else [])


def postgres_pids() -> list[int]:
    """Every PostgreSQL server process on the machine (the bench is its only client)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def start_server(
    database_url: str, data_dir: str, threads: int, workers: int, *, bare: bool = False
) -> tuple[subprocess.Popen[bytes], int]:
    """``assay serve``, or with ``bare`` the reference server under the same gunicorn
    options (``assay.cli.gunicorn_options``)."""
    from assay.cli import gunicorn_options

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSAY_")}
    env |= {"ASSAY_DATABASE_URL": database_url, "ASSAY_DATA_DIR": data_dir}
    if bare:
        options = gunicorn_options("127.0.0.1", port, threads, workers, "bare_claim:application")
        command = [sys.executable, "-m", "gunicorn", "--chdir", str(Path(__file__).parent)]
        command += options
    else:
        command = [ASSAY, "serve", "--port", str(port), "--threads", str(threads)]
        command += ["--workers", str(workers)]
    server = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        raise RuntimeError("the server did not start")
    # gunicorn forks its workers; one-process `assay serve` (waitress) has no children.
    settle(server.pid, workers if workers > 1 or bare else 0)
    return server, port


def settle(pid: int, children: int) -> None:
    """Wait until every worker process has booted and gone idle, so start-up is not
    measured: the port opens before the workers have loaded the application."""
    last = -1.0
    for _ in range(300):
        pids = server_pids(pid)
        spent = cpu_used({}, cpu_seconds(pids))
        if len(pids) > children and spent == last:
            return
        last = spent
        time.sleep(0.5)
    raise RuntimeError("the server's workers did not settle")


def run_mode(
    mode: str, port: int, project_id: int, tokens: list[str], seconds: float, rate: float
) -> tuple[dict[str, list[Any]], float]:
    halves = [tokens[0::2], tokens[1::2]]
    started = time.perf_counter()
    with multiprocessing.Pool(2) as pool:
        if mode == "closed":
            parts = pool.map(_closed_worker, [(port, h, project_id, seconds) for h in halves])
        else:
            parts = pool.map(
                _open_worker, [(port, h, project_id, seconds, rate / 2) for h in halves]
            )
    elapsed = time.perf_counter() - started
    merged: dict[str, list[Any]] = {}
    for part in parts:
        for key, values in part.items():
            merged.setdefault(key, []).extend(values)
    return merged, elapsed


def database_url(name: str, workdir: Path) -> str:
    if name == "sqlite":
        return f"sqlite:///{workdir}/bench.sqlite3"
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute('DROP DATABASE IF EXISTS "assay_alloc_bench" WITH (FORCE)')
        conn.execute('CREATE DATABASE "assay_alloc_bench"')
    return "postgres://postgres@127.0.0.1:5432/assay_alloc_bench"


HEADER = (
    f"{'db':<15}{'mode':<8}{'K':>5}{'cycles/s':>10}{'next p50':>10}{'p95':>8}{'p99':>8}"
    f"{'submit p50':>11}{'p95':>8}{'p99':>8}{'over':>6}{'dupes':>6}{'lost':>6}"
    f"{'5xx':>5}{'t/o':>5}{'late':>6}{'rss MiB':>9}"
    f"{'srv ms':>8}{'db ms':>8}"
)


def row(
    name: str,
    mode: str,
    k: int,
    out: dict[str, list[Any]],
    elapsed: float,
    checks: dict[str, int],
    rss: float,
    cpu: list[float],
) -> str:
    nxt, sub = out["next"], out["submit"]
    return (
        f"{name:<15}{mode:<8}{k:>5}{len(out['acked']) / elapsed:>10.1f}"
        f"{percentile(nxt, 0.5):>10.1f}{percentile(nxt, 0.95):>8.1f}{percentile(nxt, 0.99):>8.1f}"
        f"{percentile(sub, 0.5):>11.1f}{percentile(sub, 0.95):>8.1f}{percentile(sub, 0.99):>8.1f}"
        f"{checks['over_overlap']:>6}{checks['duplicates']:>6}{checks['lost']:>6}"
        f"{len(out['errors']):>5}{len(out['timeouts']):>5}{len(out.get('late', [])):>6}{rss:>9.0f}"
        f"{cpu[0]:>8.1f}{cpu[1]:>8.1f}"
    )


def verify_bare(project_id: int, acked: list[str]) -> dict[str, int]:
    """The reference server's counters: it keeps no leases, so duplicates are not counted."""
    import bare_claim
    from django.db import connection
    from django.db.models import F

    from assay.models import Item

    over = Item.objects.filter(project_id=project_id, reserved__gt=F("project__overlap"))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT idempotency_key FROM {bare_claim.TABLE}")  # noqa: S608
        stored = {key for (key,) in cursor.fetchall()}
    lost = sum(1 for key in acked if key not in stored)
    return {"over_overlap": over.count(), "duplicates": 0, "lost": lost}


def run_database(name: str, args: argparse.Namespace) -> None:
    """Every mode and K on one database; one process per database (settings load once)."""
    workdir = Path(tempfile.mkdtemp(prefix="assay-alloc-"))
    url = database_url(name, workdir)
    setup_django(url)
    servers = [False, True] if args.reference else [False]
    for k in [int(x) for x in args.experts.split(",")]:
        for mode in args.modes.split(","):
            for bare in servers:
                run_one(name, bare, mode, k, url, workdir, args)


def run_one(
    name: str,
    bare: bool,
    mode: str,
    k: int,
    url: str,
    workdir: Path,
    args: argparse.Namespace,
) -> None:
    """One row: a fresh project, a fresh server, the load, then the database checked."""
    import bare_claim  # configures nothing here: the settings are loaded already
    from django.db import connections

    project_id, tokens = prepare(url, args.items, k)
    if bare:
        bare_claim.create_table()
    connections.close_all()
    server, port = start_server(url, str(workdir), args.threads, args.workers, bare=bare)
    try:
        before = [cpu_seconds(server_pids(server.pid)), cpu_seconds(postgres_pids())]
        out, elapsed = run_mode(mode, port, project_id, tokens, args.seconds, args.rate)
        after = [cpu_seconds(server_pids(server.pid)), cpu_seconds(postgres_pids())]
        cycles = max(1, len(out["acked"]))
        cpu = [cpu_used(b, a) * 1000 / cycles for b, a in zip(before, after, strict=True)]
        rss = peak_rss_mib(server.pid)
    finally:
        # Quick shutdown: gunicorn's graceful one (SIGTERM) can leave a sync
        # worker waiting out its poll timeout; waitress stops on SIGINT too.
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)
    checks = (verify_bare if bare else verify)(project_id, out["acked"])
    label = f"{name}-bare" if bare else name
    print(row(label, mode, k, out, elapsed, checks, rss, cpu), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--experts", default="20,100,500")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)  # one process per core here
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--modes", default="closed,open")
    parser.add_argument(
        "--reference",
        action="store_true",
        help="after each row, the same load on bench/bare_claim.py (bare Django, no product)",
    )
    args = parser.parse_args()
    names = args.databases.split(",")
    if len(names) == 1:
        run_database(names[0], args)
        return
    print(HEADER, flush=True)
    for name in names:
        command = [sys.executable, __file__, *sys.argv[1:], "--databases", name]
        subprocess.run(command, check=True)
    print(
        f"\nlatencies in ms; open loop offered {args.rate} cycles/s; "
        "'late' = scheduled cycles that found no idle expert; "
        "srv ms, db ms = CPU per acknowledged cycle in the server's processes and in PostgreSQL's"
    )


if __name__ == "__main__":
    multiprocessing.set_start_method("fork")
    main()
