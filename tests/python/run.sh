#!/usr/bin/env bash
# The Python package, as a user gets it: builds the wheel with maturin (PEP 517, through pip),
# installs it into a fresh venv with pytest, pytest-xdist and zeep, and runs tests/python/ from
# there (never the source tree on sys.path), once alone and once with `-n 2`. Then checks that
# no server outlived the runs, and that `pip install .` from the clone works too.
#
#   bash tests/python/run.sh
#
# Needs cargo and python3 (with venv). Keeps maturin in .venv-py-build/ (gitignored); the wheels
# go to target/python-wheels/; the test venvs are temporary.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
pip_quiet=(--quiet --disable-pip-version-check)

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "== maturin into .venv-py-build"
[ -x .venv-py-build/bin/python ] || python3 -m venv .venv-py-build
.venv-py-build/bin/python -m pip install "${pip_quiet[@]}" -r tests/python/build-requirements.txt

echo "== pip wheel . (maturin, release, the binary linked statically, tagged manylinux2014)"
wheels="target/python-wheels"
rm -rf "$wheels"
started=$SECONDS
# --no-build-isolation: the pinned maturin of .venv-py-build (its backend runs `maturin` from PATH).
PATH="$root/.venv-py-build/bin:$PATH" .venv-py-build/bin/python -m pip wheel "${pip_quiet[@]}" --no-build-isolation --no-deps . -w "$wheels" \
  --config-settings=maturin.build-args="--compatibility manylinux2014"
wheel="$(ls "$wheels"/exchange_um_mock-*.whl)"
echo "built $(basename "$wheel") in $((SECONDS - started)) s"
case "$wheel" in
  *-py3-none-manylinux2014_x86_64.*) ;;
  *) echo "the wheel is not tagged manylinux2014_x86_64: $wheel" >&2; exit 1 ;;
esac

echo "== a fresh venv with the wheel, pytest, pytest-xdist, zeep"
venv="$work/venv"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install "${pip_quiet[@]}" "$wheel" -r tests/python/requirements.txt
binary="$(realpath "$venv/bin/exchange-um-mock")"

# servers_left: the pids of processes running the venv's binary (a /proc scan).
servers_left() {
  local pid exe
  for pid in /proc/[0-9]*; do
    exe="$(readlink "$pid/exe" 2>/dev/null || true)"
    [ "$exe" = "$binary" ] && echo "${pid#/proc/}"
  done
  return 0
}

# run_pytest ARGS...: the venv's pytest from tests/python (its pytest.ini anchors the run), with
# pytest's "no tests ran" (exit 5) counted as the failure it is here.
run_pytest() {
  local status=0
  (cd tests/python && "$venv/bin/pytest" "$@") || status=$?
  if [ "$status" -eq 5 ]; then
    echo "pytest collected no tests" >&2
  fi
  return "$status"
}

echo "== pytest tests/python (the plugin's server, zeep, attach, errors, the guide's example)"
run_pytest -v
echo "== pytest -n 2 (pytest-xdist: one server per worker)"
run_pytest -n 2 -q

left="$(servers_left)"
if [ -n "$left" ]; then
  echo "exchange-um-mock processes outlived the test runs: $left" >&2
  exit 1
fi
echo "no exchange-um-mock process left"

echo "== pip install . into another fresh venv (build isolation, as a user types it)"
python3 -m venv "$work/user"
"$work/user/bin/python" -m pip install "${pip_quiet[@]}" .
version="$("$work/user/bin/exchange-um-mock" --version)"
(cd "$work" && "$work/user/bin/python" -c 'import exchange_um_mock, sys; print(exchange_um_mock.UmMock.__name__, "from", exchange_um_mock.__file__)')
expected="exchange-um-mock $(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)"
if [ "$version" != "$expected" ]; then
  echo "exchange-um-mock --version printed '$version', not '$expected'" >&2
  exit 1
fi
echo "$version"
