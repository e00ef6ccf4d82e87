#!/usr/bin/env bash
# Start-up of the container image against the binary's own start, measured in one run: the time
# from starting the command to its ready line (`listening on …`) on stdout, for
#   - the normal release binary (target/release, dynamically linked), when it is built;
#   - the static binary of the image, run directly on the host;
#   - `docker run --rm --network host IMAGE` (the same static binary, in a container).
# Runs alternate (one of each kind in turn) so drift in machine load hits all alike; each
# server is stopped (SIGTERM / docker stop) after its ready line, outside the measured time.
#
#   bash benches/container_start.sh [IMAGE] [RUNS]     # default exchange-um-mock:latest, 10
#
# Build the image first (bash packaging/image.sh); CONTAINER_ENGINE picks podman.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
image="${1:-exchange-um-mock:latest}"
runs="${2:-10}"
binary="${CARGO_TARGET_DIR:-$root/target}/x86_64-unknown-linux-gnu/release/exchange-um-mock"
[ -x "$binary" ] || { echo "no $binary: run bash packaging/image.sh first" >&2; exit 1; }

release="${CARGO_TARGET_DIR:-$root/target}/release/exchange-um-mock"

python3 - "$image" "$runs" "$binary" "${CONTAINER_ENGINE:-docker}" "$release" <<'PY'
import os, socket, statistics, subprocess, sys, time, uuid

image, runs, binary, engine, release = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]

def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]

def to_ready(command, stop):
    started = time.perf_counter()
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    line = process.stdout.readline()
    took = time.perf_counter() - started
    if not line.startswith("listening on "):
        sys.exit(f"{command}: no ready line but {line!r}")
    stop(process)
    if process.wait() != 0:
        sys.exit(f"{command}: exit code {process.returncode}")
    return took * 1000

def binary_start(path):
    command = [path, "--listen", f"127.0.0.1:{free_port()}"]
    return to_ready(command, lambda p: p.terminate())

def container_start():
    name = f"exum-bench-{uuid.uuid4().hex[:12]}"
    command = [engine, "run", "--rm", "--name", name, "--network", "host",
               "-e", f"EXUM_LISTEN=http://127.0.0.1:{free_port()}", image]
    return to_ready(command, lambda p: subprocess.run([engine, "stop", name], check=True,
                                                      stdout=subprocess.DEVNULL))

kinds = {"static": ("static binary (the image's), on the host", lambda: binary_start(binary)),
         "container": (f"`{engine} run --rm --network host {image}`", container_start)}
if os.access(release, os.X_OK):
    kinds = {"release": ("release binary (target/release), on the host", lambda: binary_start(release)), **kinds}
for _, start in kinds.values():
    start()  # warm-up: page cache, the engine's first container
times = {kind: [] for kind in kinds}
for _ in range(runs):
    for kind, (_, start) in kinds.items():
        times[kind].append(start())

print(f"start → ready line, {runs} runs each, interleaved (ms)")
print("| kind | median | min | max |")
print("|---|---|---|---|")
for kind, (label, _) in kinds.items():
    values = times[kind]
    print(f"| {label} | {statistics.median(values):.1f} | {min(values):.1f} | {max(values):.1f} |")
PY
