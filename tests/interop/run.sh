#!/usr/bin/env bash
# Interop tests: real clients against a freshly built release binary on free ports. Exits
# non-zero if any suite fails.
#
# - SOAP clients generated from the double's WSDL: Python zeep, node-soap;
# - Windows authentication: Python's requests-ntlm and pyspnego, and Node's httpntlm against
#   three servers whose NTLM CHALLENGE differs (default, "no-target-info", "no-ess"; the last two
#   with the fixtures in tests/interop/fixtures-ntlm-*/), so it answers NTLMv2, the NTLM2
#   session response and NTLMv1; a C# program (HttpWebRequest, CredentialCache "NTLM") compiled
#   and run with Mono, over HTTP and over TLS;
# - over HTTPS, trusting the CA the server wrote with --tls-ca-out: the zeep and the
#   requests-ntlm/pyspnego suites again, and curl --ntlm --cacert.
#
#   bash tests/interop/run.sh
#
# Needs cargo, python3 (with venv), npm, openssl and Mono's mcs and mono (Debian's mono-devel,
# which .ci/run installs); installs the pinned client packages into .venv and
# tests/interop/node_modules.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"

echo "== cargo build --release"
cargo build --release
target_dir="${CARGO_TARGET_DIR:-target}"
bin="$target_dir/release/exchange-um-mock"

echo "== installing the Python clients (zeep, requests-ntlm, pyspnego) into .venv"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r tests/interop/requirements.txt

echo "== installing the Node clients (soap, httpntlm) into tests/interop/node_modules"
if [ -f tests/interop/package-lock.json ]; then
  (cd tests/interop && npm ci --no-audit --no-fund)
else
  (cd tests/interop && npm install --no-audit --no-fund)
fi

work="$(mktemp -d)"
server_pids=()
stop_servers() {
  for pid in "${server_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${server_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap stop_servers EXIT

# start_server NAME LISTENERS ARGS...: starts the binary with ARGS, waits for its LISTENERS
# "listening on" lines (at most 60 s) and leaves them in $work/NAME.out.
start_server() {
  local name="$1" listeners="$2"
  shift 2
  : >"$work/$name.out"
  "$bin" "$@" >"$work/$name.out" 2>"$work/$name.log" &
  server_pids+=("$!")
  local waited=0
  while [ "$(grep -c '^listening on ' "$work/$name.out" || true)" -lt "$listeners" ]; do
    if [ "$waited" -ge 600 ] || ! kill -0 "${server_pids[-1]}" 2>/dev/null; then
      echo "exchange-um-mock ($name) did not start:" >&2
      cat "$work/$name.out" "$work/$name.log" >&2
      exit 1
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  sed "s/^/$name: /" "$work/$name.out"
}
# url NAME SCHEME: the URL that server NAME printed for its SCHEME listener.
url() {
  sed -n "s|^listening on \($2://.*\)|\1|p" "$work/$1.out" | head -n 1
}

echo "== an RSA certificate for the Mono client (Mono 6.8 cannot read the generated ECDSA one)"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
  -keyout "$work/rsa-key.pem" -out "$work/rsa-cert.pem" 2>/dev/null

echo "== starting exchange-um-mock: the built-in fixtures, one server per NTLM challenge profile, one with the RSA certificate"
start_server default 2 --listen 127.0.0.1:0 --listen https://127.0.0.1:0 --tls-ca-out "$work/ca.pem" --seed 1
start_server no-target-info 1 --listen 127.0.0.1:0 --seed 1 --fixtures tests/interop/fixtures-ntlm-no-target-info
start_server no-ess 1 --listen 127.0.0.1:0 --seed 1 --fixtures tests/interop/fixtures-ntlm-no-ess
start_server rsa 1 --listen https://127.0.0.1:0 --seed 1 --tls-cert "$work/rsa-cert.pem" --tls-key "$work/rsa-key.pem"
EXUM_URL="$(url default http)"
EXUM_HTTPS_URL="$(url default https)"
EXUM_CA="$work/ca.pem"
EXUM_URL_NO_TARGET_INFO="$(url no-target-info http)"
EXUM_URL_NO_ESS="$(url no-ess http)"
EXUM_RSA_HTTPS_URL="$(url rsa https)"
EXUM_RSA_CA="$work/rsa-cert.pem"
export EXUM_URL EXUM_HTTPS_URL EXUM_CA EXUM_URL_NO_TARGET_INFO EXUM_URL_NO_ESS EXUM_RSA_HTTPS_URL EXUM_RSA_CA

status=0
results=()
failed=0
# suite NAME COMMAND...: runs one suite, remembering whether it failed.
suite() {
  local name="$1"
  shift
  echo "== $name"
  if "$@"; then
    results+=("ok   $name")
  else
    status=1
    failed=$((failed + 1))
    results+=("FAIL $name")
  fi
}

suite "zeep (pytest)" .venv/bin/python -m pytest -p no:cacheprovider -v tests/interop/zeep_test.py
suite "requests-ntlm and pyspnego (pytest)" .venv/bin/python -m pytest -p no:cacheprovider -v tests/interop/ntlm_test.py
# Over TLS: requests trusts only REQUESTS_CA_BUNDLE when it is set (Session.verify is ignored).
suite "zeep over HTTPS (pytest)" env EXUM_URL="$EXUM_HTTPS_URL" REQUESTS_CA_BUNDLE="$EXUM_CA" \
  .venv/bin/python -m pytest -p no:cacheprovider -v tests/interop/zeep_test.py
suite "requests-ntlm and pyspnego over HTTPS (pytest)" env EXUM_URL="$EXUM_HTTPS_URL" REQUESTS_CA_BUNDLE="$EXUM_CA" \
  .venv/bin/python -m pytest -p no:cacheprovider -v tests/interop/ntlm_test.py
suite "curl --ntlm --cacert over HTTPS (pytest)" .venv/bin/python -m pytest -p no:cacheprovider -v tests/interop/curl_test.py
suite "node-soap (node --test)" bash -c 'cd tests/interop && node --test node_soap_test.js'
suite "httpntlm: NTLMv2, NTLM2 session, NTLMv1 (node --test)" bash -c 'cd tests/interop && node --test httpntlm_test.js'

# mono: HttpWebRequest with a CredentialCache holding "NTLM", as a .NET Framework app does.
mono_tests() {
  if ! command -v mcs >/dev/null || ! command -v mono >/dev/null; then
    echo "mcs and mono are missing: apt-get install -y --no-install-recommends mono-devel (.ci/run does)" >&2
    return 1
  fi
  mcs -nologo -out:"$work/HttpWebRequestTest.exe" tests/interop/mono/HttpWebRequestTest.cs &&
    mono "$work/HttpWebRequestTest.exe"
}
suite "Mono HttpWebRequest with CredentialCache NTLM (mcs, mono)" mono_tests

echo "== interop summary"
printf '%s\n' "${results[@]}"
echo "suites: $((${#results[@]} - failed)) passed, $failed failed"
if [ "$status" -ne 0 ]; then
  echo "interop tests FAILED; server logs:" >&2
  for log in "$work"/*.log; do
    echo "-- $(basename "$log")" >&2
    tail -n 30 "$log" >&2
  done
fi
exit "$status"
