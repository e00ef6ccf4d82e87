"""What a Python test pays for its own double: ``UmMock.start()`` to the first answer, beside the
binary's own start to its ready line (and to a first answer), measured in one run, interleaved
round by round so the machine's load hits all three alike.

Run it with the Python of a venv the wheel is installed in (tests/python/run.sh makes one):

    VENV/bin/python benches/python_start.py [--runs 20]

- ``UmMock.start() -> first answer``: ``UmMock.start()`` (find the binary, spawn it, read its
  ready line) and then ``um.mailbox("alice@contoso.com")`` over the admin API with urllib.
- ``binary start -> ready line``: ``subprocess.Popen`` of the same binary with the same flags,
  until ``listening on …`` has been read from its stdout.
- ``binary start -> first answer``: the same, plus one ``GET /__admin/mailboxes/…`` with urllib
  (the floor under the first line: what the package adds is the difference).

Stopping each server is outside every timing.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import time
import urllib.request
from typing import Callable, Dict, List

from exchange_um_mock import UmMock
from exchange_um_mock._binary import find

FLAGS = ["serve", "--listen", "http://127.0.0.1:0"]
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def um_mock_start_to_first_answer() -> float:
    started = time.perf_counter()
    um = UmMock.start()
    um.mailbox("alice@contoso.com")
    elapsed = time.perf_counter() - started
    um.stop()
    return elapsed


def binary(first_answer: bool) -> Callable[[], float]:
    def run() -> float:
        started = time.perf_counter()
        process = subprocess.Popen([find(), *FLAGS], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert process.stdout is not None
        line = process.stdout.readline().decode()
        if first_answer:
            url = line.strip().removeprefix("listening on ")
            with NO_PROXY.open(url + "/__admin/mailboxes/alice@contoso.com", timeout=10) as answer:
                answer.read()
        elapsed = time.perf_counter() - started
        assert line.startswith("listening on "), line
        process.terminate()
        process.wait()
        process.stdout.close()
        return elapsed

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    options = parser.parse_args()
    kinds: Dict[str, Callable[[], float]] = {
        "UmMock.start() -> first answer": um_mock_start_to_first_answer,
        "binary start -> ready line": binary(first_answer=False),
        "binary start -> first answer": binary(first_answer=True),
    }
    times: Dict[str, List[float]] = {name: [] for name in kinds}
    for round_ in range(options.warmup + options.runs):
        for name, run in kinds.items():
            elapsed = run()
            if round_ >= options.warmup:
                times[name].append(elapsed)
    print(f"{options.runs} runs after {options.warmup} warm-up runs, interleaved; binary {find()}")
    print(f"| {'':32} | median | min | max |")
    print("|---|---|---|---|")
    for name, samples in times.items():
        ms = [t * 1000 for t in samples]
        print(f"| {name:32} | {statistics.median(ms):.2f} ms | {min(ms):.2f} ms | {max(ms):.2f} ms |")


if __name__ == "__main__":
    main()
