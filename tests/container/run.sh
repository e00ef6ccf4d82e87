#!/usr/bin/env bash
# Container tests: builds the image with packaging/image.sh (as a user would), then runs the
# pytest suites of this folder against it (the engine's command line, curl, Testcontainers and
# zeep). Exits non-zero if the build or any test fails.
#
#   bash tests/container/run.sh
#
# Needs cargo, python3 (3.11+, with venv), curl and a docker daemon that answers (DOCKER_HOST
# may name it); .ci/run installs Debian's docker.io and starts a daemon when none answers.
# Installs the pinned test packages into .venv-container.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"

echo "== bash packaging/image.sh"
image="$(bash packaging/image.sh | tail -n 1)"
echo "built $image"

echo "== installing pytest, testcontainers and zeep into .venv-container"
[ -x .venv-container/bin/python ] || python3 -m venv .venv-container
.venv-container/bin/python -m pip install --quiet --disable-pip-version-check -r tests/container/requirements.txt

echo "== pytest tests/container"
# A hang guard: each container is stopped by its test, and `timeout` ends a suite that hangs on one.
EXUM_IMAGE="$image" TESTCONTAINERS_RYUK_DISABLED=true \
  timeout 900 .venv-container/bin/python -m pytest -q -p no:cacheprovider tests/container
