"""Shared by the container suites: the image under test, free ports, and `Served`, a container
started with `docker run` (attached, so its ready line is read from its stdout as it is
printed, with no polling).

Every container runs with `--network host` and listens on 127.0.0.1 with a free port, except
the few that must listen on 0.0.0.0 (the image's default): those run with `--network none`,
whose namespace has only its own loopback, so nothing is reachable off this machine either way.
"""

import os
import socket
import subprocess
import threading
import tomllib
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENGINE = os.environ.get("CONTAINER_ENGINE", "docker")


def crate_package():
    """Cargo.toml's [package] table (version, license)."""
    with open(ROOT / "Cargo.toml", "rb") as file:
        return tomllib.load(file)["package"]


@pytest.fixture(scope="session")
def image():
    reference = os.environ.get("EXUM_IMAGE")
    if not reference:
        pytest.fail("EXUM_IMAGE is not set: build with packaging/image.sh, or use tests/container/run.sh")
    return reference


def free_port():
    """A port free on 127.0.0.1 now (the OS hands out a fresh one to the next bind to 0)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def engine(*args, check=True):
    """Runs the container engine's command line; its completed process (text)."""
    return subprocess.run([ENGINE, *args], capture_output=True, text=True, check=check, stdin=subprocess.DEVNULL)


def inspect(name, template):
    return engine("inspect", "--format", template, name).stdout.strip()


class Served:
    """`docker run IMAGE ARGS` kept attached: `url` is its first ready line's URL, `ready` all
    of them; `stop()` runs `docker stop` and collects the exit code and stderr. Used as a
    context manager, the container is removed at the end whatever happened."""

    def __init__(self, image, *args, env=None, volumes=(), network="host", listeners=1):
        self.name = f"exum-test-{uuid.uuid4().hex[:12]}"
        command = [ENGINE, "run", "--name", self.name, "--network", network]
        for key, value in (env or {}).items():
            command += ["-e", f"{key}={value}"]
        for volume in volumes:
            command += ["-v", volume]
        command += [image, *args]
        self.command = command
        self.process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        # Read stderr all along so the pipe never fills; the text once the process ends.
        self._stderr = []
        self._reader = threading.Thread(target=lambda: self._stderr.append(self.process.stderr.read()))
        self._reader.start()
        self.ready = []
        for _ in range(listeners):
            line = self.process.stdout.readline()
            if not line.startswith("listening on "):
                self.process.wait()
                self._reader.join()
                engine("rm", "-f", self.name, check=False)
                pytest.fail(f"{' '.join(command)}: no ready line but {line!r}; stderr: {''.join(self._stderr)}")
            self.ready.append(line.strip().removeprefix("listening on "))
        self.url = self.ready[0]
        self.exit_code = None
        self.stderr = None
        self.rest_of_stdout = None

    def stop(self):
        """`docker stop`, then the exit code the engine recorded and everything on stderr."""
        engine("stop", self.name)
        self.process.wait()
        self.rest_of_stdout = self.process.stdout.read()
        self._reader.join()
        self.stderr = "".join(self._stderr)
        self.exit_code = int(inspect(self.name, "{{.State.ExitCode}}"))
        return self.exit_code

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        engine("rm", "-f", self.name, check=False)
        if self.process.poll() is None:
            self.process.wait()
        self._reader.join()
