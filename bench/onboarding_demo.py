"""A new expert in the demo, from sign-up to a first task in the code review project.

Starts ``assay demo`` in an empty folder, then drives headless Chromium as a person
would: sign up, add software engineering to the profile, take the paid screening test
(answering as someone who knows it), and start the project that then opens. Prints the
clicks and the wall time, median of several runs, each on a fresh demo.

    .venv/bin/python bench/onboarding_demo.py [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ASSAY = str(Path(sys.executable).with_name("assay"))
DEMO = Path(__file__).resolve().parent.parent / "assay" / "demo"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_demo(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSAY_")}
    server = subprocess.Popen(
        [ASSAY, "demo", "--port", str(port)],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(600):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the demo did not start")


def onboard(page: Page, base: str, answers: list[str]) -> int:
    clicks = 0

    def click(selector: str) -> None:
        nonlocal clicks
        clicks += 1
        page.click(selector)

    page.goto(f"{base}/signup/")
    page.fill("#name", "Noor")
    page.fill("#email", f"noor-{time.time_ns()}@example.test")
    page.fill("#password", "a-long-enough-password")
    click("button[type=submit]")
    click("li[data-code=domain_missing] a")
    click('input[name=domain][value="software-engineering"]')
    page.fill('input[name="years_software-engineering"]', "6")
    click("#profile-form button[type=submit]")
    click("header >> text=Tests")
    click(".test-card button[type=submit]")
    for number, answer in enumerate(answers):
        click(f"fieldset:nth-of-type({number + 1}) input[value='{answer}']")
    click("#attempt-form button[type=submit]")
    page.wait_for_selector("text=Passed.")
    click("header >> text=Work")
    click(".offer:has-text('Code review') >> text=Start")
    page.wait_for_selector("#judgment-form")
    return clicks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    spec = json.loads((DEMO / "qualification_code_review.json").read_text())
    answers = [q["answer"] for q in spec["questions"]]
    timings, counted = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for _ in range(args.runs):
            server, base = start_demo(Path(tempfile.mkdtemp(prefix="assay-onboard-")))
            try:
                page = browser.new_page(viewport={"width": 1300, "height": 1000})
                started = time.perf_counter()
                counted.append(onboard(page, base, answers))
                timings.append(time.perf_counter() - started)
                page.close()
            finally:
                server.terminate()
                server.wait(timeout=20)
        browser.close()
    print(f"runs: {args.runs}; clicks: {counted[0]} (typing not counted)")
    print(
        f"sign-up to first task, seconds: median {statistics.median(timings):.2f}, "
        f"min {min(timings):.2f}, max {max(timings):.2f}"
    )


if __name__ == "__main__":
    main()
