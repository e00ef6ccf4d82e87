#!/usr/bin/env bash
# Interop tests: real SOAP clients (Python zeep, node-soap) generated from the double's WSDL,
# Python's NTLM and Negotiate clients (requests-ntlm, pyspnego), and the admin API's OpenAPI
# document and the mock.json schema checked by openapi-spec-validator and jsonschema,
# against a freshly built release binary on a free port. Exits non-zero if either suite fails.
#
#   bash tests/interop/run.sh
#
# Needs cargo, python3 (with venv) and npm; installs the pinned client packages into .venv and
# tests/interop/node_modules.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"

echo "== cargo build --release"
cargo build --release
target_dir="${CARGO_TARGET_DIR:-target}"

echo "== installing the Python clients (zeep, requests-ntlm, pyspnego, openapi-spec-validator) into .venv"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r tests/interop/requirements.txt

echo "== installing the Node client (soap) into tests/interop/node_modules"
if [ -f tests/interop/package-lock.json ]; then
  (cd tests/interop && npm ci --no-audit --no-fund)
else
  (cd tests/interop && npm install --no-audit --no-fund)
fi

echo "== starting exchange-um-mock"
log="$(mktemp)"
# A coprocess, so the one "listening on" line can be read as soon as it is printed.
coproc SERVER { exec "$target_dir/release/exchange-um-mock" --listen 127.0.0.1:0 --seed 1 2>"$log"; }
server_pid=$SERVER_PID
stop_server() {
  kill -TERM "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  rm -f "$log"
}
trap stop_server EXIT
line=""
if ! read -r -t 60 -u "${SERVER[0]}" line || [[ "$line" != "listening on http://"* ]]; then
  echo "exchange-um-mock did not start (first line: '$line'):" >&2
  cat "$log" >&2
  exit 1
fi
export EXUM_URL="${line#listening on }"
echo "$line"

status=0
echo "== zeep (pytest)"
.venv/bin/python -m pytest -p no:cacheprovider -v tests/interop/zeep_test.py || status=1
echo "== requests-ntlm and pyspnego (pytest)"
.venv/bin/python -m pytest -p no:cacheprovider -v tests/interop/ntlm_test.py || status=1
echo "== openapi-spec-validator and jsonschema (pytest)"
.venv/bin/python -m pytest -p no:cacheprovider -v tests/interop/openapi_test.py || status=1
echo "== node-soap (node --test)"
(cd tests/interop && node --test node_soap_test.js) || status=1

if [ "$status" -ne 0 ]; then
  echo "interop tests FAILED; server log:" >&2
  tail -n 50 "$log" >&2
fi
exit "$status"
