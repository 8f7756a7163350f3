"""Wall time of `assay demo` from start to the first page served.

Side by side: a fresh directory (create, migrate, seed, serve) against a
restart on the database the first run left (migrations and seed skipped).

    .venv/bin/python bench/demo_startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ASSAY = str(Path(sys.executable).with_name("assay"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def time_to_first_page(workdir: Path) -> float:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSAY_")}
    started = time.perf_counter()
    server = subprocess.Popen(
        [ASSAY, "demo", "--port", str(port)],
        cwd=workdir,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while time.perf_counter() - started < 120:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as page:
                    if page.status == 200:
                        return time.perf_counter() - started
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("the demo did not serve a page within 120 s")
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    fresh, restart = [], []
    for _ in range(args.runs):
        workdir = Path(tempfile.mkdtemp(prefix="assay-demo-"))
        fresh.append(time_to_first_page(workdir))
        restart.append(time_to_first_page(workdir))
    print(f"{'assay demo':<34}{'median s':>10}{'min s':>8}{'max s':>8}  (runs: {args.runs})")
    for label, values in (
        ("fresh directory (migrate + seed)", fresh),
        ("restart on seeded db", restart),
    ):
        print(
            f"{label:<34}{statistics.median(values):>10.2f}{min(values):>8.2f}{max(values):>8.2f}"
        )
    print(f"ratio fresh/restart: {statistics.median(fresh) / statistics.median(restart):.2f}")


if __name__ == "__main__":
    main()
