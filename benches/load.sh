#!/usr/bin/env bash
# Load benchmark: the double against a bare hyper server answering the same ResetPIN bytes
# (examples/bare_hyper.rs), driven by wrk over loopback, A B A B in interleaved rounds so that
# drift in machine load hits both alike. Prints, per round, req/s and p50/p99 for ResetPIN and
# IsUMEnabled, the median ratio double/bare; the same ResetPIN load sent to the root, to one
# session and spread over eight sessions of one server (benches/load_sessions.sh); the time
# from spawn to the first answered ResetPIN, the double's RSS after COUNT ResetPINs, and the
# p99 of `GET /__admin/emails?to=alice@contoso.com&limit=10` with 10,000 emails stored.
#
#   bash benches/load.sh
#   DURATION=10 ROUNDS=5 bash benches/load.sh
#   PARTS=sessions CONNECTIONS=16 bash benches/load.sh
#
# Tunables (environment): DURATION seconds per wrk run (5), ROUNDS (3), WARMUP seconds per
# server before the rounds (2), CONNECTIONS (32), THREADS (2), COUNT ResetPINs before reading
# the RSS (1000000), STARTS start-ups timed per server (20), EMAILS_GETS timed admin GETs
# (500), MAX_FILL_SECONDS bound on sending COUNT requests (600), PARTS the parts to run, of
# "bare sessions startup memory" (all, in that order), SESSIONS spread over (8),
# SESSIONS_FLAGS more flags for the sessions part's server (none; e.g. "--max-emails 100
# --max-requests 100 --session-max-journal-bytes 65536" to see what the stores' size costs).
# RUST_LOG is passed to the double (unset: its default, every request logged at info to
# stderr, here a temporary file).
#
# Needs wrk (Debian: apt-get install -y wrk), curl and cargo. Talks to 127.0.0.1 only; every
# server it starts is stopped on exit. Exits 2 if any run saw errors (they are flagged and
# left out of the medians), 1 on a failure to run.
set -euo pipefail
cd "$(dirname "$0")/.."
# A "." decimal point for printf, awk and $EPOCHREALTIME whatever the user's locale.
export LC_ALL=C

DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-2}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
COUNT=${COUNT:-1000000}
STARTS=${STARTS:-20}
EMAILS_GETS=${EMAILS_GETS:-500}
MAX_FILL_SECONDS=${MAX_FILL_SECONDS:-600}
SESSIONS=${SESSIONS:-8}
SESSIONS_FLAGS=${SESSIONS_FLAGS:-}
ALL_PARTS="bare sessions startup memory"
PARTS=${PARTS:-$ALL_PARTS}
# The double's default --max-emails; the admin GET is timed with the store this full.
STORED=10000

die() {
    echo "benches/load.sh: $*" >&2
    exit 1
}

for name in DURATION ROUNDS WARMUP CONNECTIONS THREADS COUNT STARTS EMAILS_GETS MAX_FILL_SECONDS SESSIONS; do
    [[ ${!name} =~ ^[1-9][0-9]*$ ]] || die "$name must be a positive whole number, not '${!name}'"
done
for part in $PARTS; do
    [[ " $ALL_PARTS " == *" $part "* ]] || die "PARTS: no part '$part' (the parts: $ALL_PARTS)"
done
((ROUNDS >= 3)) || echo "benches/load.sh: note: ROUNDS=$ROUNDS; the issue asks for at least 3" >&2

if ! command -v wrk >/dev/null; then
    die "wrk is not installed. On Debian or Ubuntu: apt-get install -y wrk"
fi
command -v curl >/dev/null || die "curl is not installed (apt-get install -y curl)"

echo "== building (release)"
cargo build --release --quiet --example bare_hyper --bin exchange-um-mock
TARGET=${CARGO_TARGET_DIR:-target}/release
BARE=("$TARGET/examples/bare_hyper" --listen 127.0.0.1:0)
DOUBLE=("$TARGET/exchange-um-mock" --listen 127.0.0.1:0 --seed 7)

TMP=$(mktemp -d)
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'echo "benches/load.sh: interrupted" >&2; exit 130' INT TERM

ENDPOINT=/EWS/UM2007Legacy.asmx
AUTH='Basic YWxpY2U6YmVuY2g=' # alice:bench; any password works for alice in the fixtures
envelope() {
    printf '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><%s xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/></s:Body></s:Envelope>' "$1"
}

# start_server NAME COMMAND...: sets SERVER_PID and SERVER_URL once it printed its ready line.
start_server() {
    local name=$1 i
    shift
    "$@" >"$TMP/$name.out" 2>"$TMP/$name.log" &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
    for ((i = 0; i < 100; i++)); do
        # The child may not have opened its output file yet.
        SERVER_URL=$(sed -n 's/^listening on //p' "$TMP/$name.out" 2>/dev/null || true)
        if [[ -n $SERVER_URL ]]; then
            return 0
        fi
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "benches/load.sh: $name printed no 'listening on' line within 10 s; its stderr:" >&2
    tail -n 20 "$TMP/$name.log" >&2
    exit 1
}

stop_server() {
    local pid=$1 kept=() p
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    for p in "${PIDS[@]}"; do
        [[ $p == "$pid" ]] || kept+=("$p")
    done
    PIDS=("${kept[@]}")
}

# run_wrk URL OPERATION SECONDS: sets R_requests, R_rps, R_p50_ms, R_p99_ms, R_non2xx,
# R_socket_errors from the RESULT line of benches/report.lua.
run_wrk() {
    wrk_script benches/soap.lua "$1$ENDPOINT" "$3" "$2"
}

# wrk_script SCRIPT URL SECONDS ARGS...: runs wrk with SCRIPT and its ARGS, THREADS threads and
# CONNECTIONS connections; sets the R_ variables as run_wrk does.
wrk_script() {
    local script=$1 url=$2 seconds=$3 out line pair
    shift 3
    if ! out=$(wrk -t "$THREADS" -c "$CONNECTIONS" -d "${seconds}s" --timeout 2s \
        -s "$script" "$url" -- "$@" 2>&1); then
        die "wrk failed against $url: $out"
    fi
    line=$(grep '^RESULT ' <<<"$out") || die "wrk printed no RESULT line: $out"
    R_requests="" R_rps="" R_p50_ms="" R_p99_ms="" R_non2xx="" R_socket_errors=""
    for pair in ${line#RESULT }; do
        case ${pair%%=*} in
        requests) R_requests=${pair#*=} ;;
        rps) R_rps=${pair#*=} ;;
        p50_ms) R_p50_ms=${pair#*=} ;;
        p99_ms) R_p99_ms=${pair#*=} ;;
        non2xx) R_non2xx=${pair#*=} ;;
        socket_errors) R_socket_errors=${pair#*=} ;;
        esac
    done
    [[ -n $R_requests && -n $R_rps && -n $R_non2xx && -n $R_socket_errors ]] ||
        die "cannot read wrk's RESULT line: $line"
}

median() {
    if (($# == 0)); then
        echo n/a
        return
    fi
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

whole() {
    if [[ $1 == n/a ]]; then echo n/a; else printf '%.0f' "$1"; fi
}

rss_kib() {
    awk -v key="$2:" '$1 == key { print $2 }' "/proc/$1/status"
}

# POST OPERATION to URL with curl; sets C_status and leaves the body in $TMP/body.
post() {
    C_status=$(curl -s -m 5 -o "$TMP/body" -w '%{http_code}' -H "Authorization: $AUTH" \
        -H 'Content-Type: text/xml; charset=utf-8' --data-binary "$(envelope "$2")" "$1$ENDPOINT" ||
        true)
}

FLAGGED=0

# Part "bare": the double against bare hyper, interleaved rounds of both operations.
part_bare() {
    echo "== starting both servers"
    start_server bare "${BARE[@]}"
    BARE_PID=$SERVER_PID BARE_URL=$SERVER_URL
    start_server double "${DOUBLE[@]}"
    DOUBLE_PID=$SERVER_PID DOUBLE_URL=$SERVER_URL
    echo "bare hyper $BARE_URL (pid $BARE_PID), double $DOUBLE_URL (pid $DOUBLE_PID)"

    # The baseline must answer what the double answers, and the double must succeed.
    post "$DOUBLE_URL" ResetPIN
    [[ $C_status == 200 ]] || die "the double answered ResetPIN with $C_status: $(cat "$TMP/body")"
    mv "$TMP/body" "$TMP/double-reset"
    post "$BARE_URL" ResetPIN
    [[ $C_status == 200 ]] || die "bare hyper answered $C_status"
    cmp -s "$TMP/body" "$TMP/double-reset" || die "bare hyper's body differs from the double's ResetPIN answer"
    post "$DOUBLE_URL" IsUMEnabled
    if [[ $C_status != 200 ]] || ! grep -q '<IsUMEnabledResponse>true</IsUMEnabledResponse>' "$TMP/body"; then
        die "the double answered IsUMEnabled with $C_status: $(cat "$TMP/body")"
    fi
    echo "checked: both answer ResetPIN 200 with the same $(wc -c <"$TMP/double-reset") bytes; the double's IsUMEnabled says true"

    echo "== warm-up: ${WARMUP} s of ResetPIN each (fills the double's email and journal stores)"
    for url in "$BARE_URL" "$DOUBLE_URL"; do
        run_wrk "$url" ResetPIN "$WARMUP"
        if ((R_non2xx + R_socket_errors > 0)); then
            echo "!! warm-up against $url: $R_non2xx non-2xx, $R_socket_errors socket errors"
            FLAGGED=1
        fi
    done

    echo "== rounds (A = bare hyper, B = double; A B A B)"
    printf '%-5s %-11s %-6s %10s %9s %9s %7s %6s\n' round operation server req/s p50_ms p99_ms non2xx sockerr
    declare -A RPS
    for ((round = 1; round <= ROUNDS; round++)); do
        for op in ResetPIN IsUMEnabled; do
            for server in bare double; do
                if [[ $server == bare ]]; then url=$BARE_URL; else url=$DOUBLE_URL; fi
                run_wrk "$url" "$op" "$DURATION"
                flag=""
                if ((R_non2xx + R_socket_errors > 0)); then
                    flag="  !! errors: left out of the medians"
                    FLAGGED=1
                else
                    RPS[$op,$server,$round]=$R_rps
                fi
                printf '%-5s %-11s %-6s %10.0f %9s %9s %7s %6s%s\n' "$round" "$op" "$server" \
                    "$R_rps" "$R_p50_ms" "$R_p99_ms" "$R_non2xx" "$R_socket_errors" "$flag"
            done
        done
    done

    echo "== medians over rounds without errors"
    printf '%-11s %12s %12s %22s %10s\n' operation bare_req/s double_req/s "double/bare per round" median
    for op in ResetPIN IsUMEnabled; do
        bares=() doubles=() ratios=()
        for ((round = 1; round <= ROUNDS; round++)); do
            b=${RPS[$op,bare,$round]-} d=${RPS[$op,double,$round]-}
            [[ -n $b ]] && bares+=("$b")
            [[ -n $d ]] && doubles+=("$d")
            if [[ -n $b && -n $d ]]; then
                ratios+=("$(awk -v d="$d" -v b="$b" 'BEGIN { printf "%.2f", d / b }')")
            fi
        done
        printf '%-11s %12s %12s %22s %10s\n' "$op" "$(whole "$(median "${bares[@]}")")" \
            "$(whole "$(median "${doubles[@]}")")" "${ratios[*]:-n/a}" "$(median "${ratios[@]}")"
    done
    echo "RSS after the rounds: bare hyper $(rss_kib "$BARE_PID" VmRSS) KiB, double $(rss_kib "$DOUBLE_PID" VmRSS) KiB"
    stop_server "$BARE_PID"
    stop_server "$DOUBLE_PID"
}

# Part "sessions" (benches/load_sessions.sh): the root, one session and eight sessions.
source benches/load_sessions.sh

# first_answer NAME COMMAND...: sets STARTUP_US. Bash's own /dev/tcp and $EPOCHREALTIME, so
# no client process is started inside the timed span.
first_answer() {
    local name=$1 t0 t1 line status fd pid
    shift
    t0=$EPOCHREALTIME
    coproc STARTING { exec "$@" 2>>"$TMP/startup.log"; }
    pid=$STARTING_PID
    PIDS+=("$pid")
    read -r -t 10 line <&"${STARTING[0]}" || die "$name printed no ready line within 10 s"
    exec {fd}<>"/dev/tcp/127.0.0.1/${line##*:}"
    printf 'POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: %s\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
        "$ENDPOINT" "$AUTH" "${#REQUEST_BODY}" "$REQUEST_BODY" >&"$fd"
    read -r -t 5 status <&"$fd" || die "$name did not answer its first request within 5 s"
    t1=$EPOCHREALTIME
    exec {fd}>&-
    stop_server "$pid"
    [[ $status == "HTTP/1.1 200"* ]] || die "$name answered its first ResetPIN with '$status'"
    STARTUP_US=$((10#${t1//./} - 10#${t0//./}))
}

# Part "startup": spawn to the first answered ResetPIN, both servers, interleaved.
part_startup() {
    echo "== start-up: spawn to the first answered ResetPIN, $STARTS starts each, interleaved"
    REQUEST_BODY=$(envelope ResetPIN)
    bare_starts=() double_starts=()
    for ((i = 0; i < STARTS; i++)); do
        first_answer "bare hyper" "${BARE[@]}"
        bare_starts+=("$(awk -v us="$STARTUP_US" 'BEGIN { printf "%.2f", us / 1000 }')")
        first_answer double "${DOUBLE[@]}"
        double_starts+=("$(awk -v us="$STARTUP_US" 'BEGIN { printf "%.2f", us / 1000 }')")
    done
    echo "bare hyper ms: ${bare_starts[*]}"
    echo "double ms:     ${double_starts[*]}"
    echo "median: bare hyper $(median "${bare_starts[@]}") ms, double $(median "${double_starts[@]}") ms"
}

# wrk cannot stop after a count, so it runs in batches sized from the last batch's rate,
# until COUNT answers or MAX_FILL_SECONDS; the last batch overshoots a little.
# fill URL TARGET: sends ResetPINs until SENT >= TARGET (SENT counts what wrk completed).
fill() {
    local url=$1 target=$2 seconds=1 started=$SECONDS
    while ((SENT < target)); do
        ((SECONDS - started < MAX_FILL_SECONDS)) || {
            echo "!! stopped after $SENT of $target requests (MAX_FILL_SECONDS=$MAX_FILL_SECONDS)"
            FLAGGED=1
            return 0
        }
        run_wrk "$url" ResetPIN "$seconds"
        SENT=$((SENT + R_requests))
        if ((R_non2xx + R_socket_errors > 0)); then
            echo "!! $R_non2xx non-2xx, $R_socket_errors socket errors while filling"
            FLAGGED=1
        fi
        seconds=$(awk -v left=$((target - SENT)) -v rps="$R_rps" \
            'BEGIN { s = int(left / rps) + 1; print (s > 10 ? 10 : s) }')
    done
}

# stored: how many emails alice has in the memory part's double.
stored() {
    curl -s -m 5 "$RSS_URL/__admin/emails?to=alice@contoso.com&limit=0" |
        sed -n 's/^{"total":\([0-9]*\),.*/\1/p'
}

# Part "memory": the RSS after COUNT ResetPINs, then the admin list with the store full.
part_memory() {
    echo "== RSS of a fresh double after $COUNT ResetPINs"
    start_server double-rss "${DOUBLE[@]}"
    RSS_PID=$SERVER_PID RSS_URL=$SERVER_URL
    RSS_IDLE=$(rss_kib "$RSS_PID" VmRSS)
    SENT=0
    fill "$RSS_URL" "$COUNT"
    RSS_AFTER=$(rss_kib "$RSS_PID" VmRSS)
    RSS_PEAK=$(rss_kib "$RSS_PID" VmHWM)
    echo "requests answered: $SENT; VmRSS idle $RSS_IDLE KiB, after $RSS_AFTER KiB (peak VmHWM $RSS_PEAK KiB)"

    echo "== GET /__admin/emails?to=alice@contoso.com&limit=10 with $STORED emails stored"
    TOTAL=$(stored)
    if ((TOTAL < STORED)); then
        fill "$RSS_URL" $((SENT + STORED - TOTAL))
        TOTAL=$(stored)
    fi
    ((TOTAL == STORED)) || die "expected $STORED emails stored for alice, found '$TOTAL'"
    EMAILS_URL="$RSS_URL/__admin/emails?to=alice@contoso.com&limit=10"
    listed=$(curl -s -m 5 "$EMAILS_URL" | grep -o '"request_id":' | wc -l)
    ((listed == 10)) || die "the admin GET listed $listed emails, not 10"
    # One curl process, one keep-alive connection, EMAILS_GETS sequential GETs.
    args=()
    for ((i = 0; i < EMAILS_GETS; i++)); do
        args+=(-o /dev/null "$EMAILS_URL")
    done
    curl -s -m 10 -w '%{http_code} %{time_total}\n' "${args[@]}" >"$TMP/gets"
    bad=$(awk '$1 != 200' "$TMP/gets" | wc -l)
    if ((bad > 0)); then
        echo "!! $bad of $EMAILS_GETS admin GETs did not answer 200"
        FLAGGED=1
    fi
    read -r EMAILS_P50 EMAILS_P99 EMAILS_MAX < <(awk '{ print $2 * 1000 }' "$TMP/gets" | sort -g | awk '
        { v[NR] = $1 }
        END { p50 = int(NR * 0.50 + 0.999999); p99 = int(NR * 0.99 + 0.999999)
              printf "%.2f %.2f %.2f\n", v[p50], v[p99], v[NR] }')
    echo "$EMAILS_GETS GETs over one connection: p50 $EMAILS_P50 ms, p99 $EMAILS_P99 ms, max $EMAILS_MAX ms (target p99 ≤ 2 ms)"
    stop_server "$RSS_PID"
}

echo "== machine"
echo "date:    $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "commit:  $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src examples benches || echo ' (modified)')"
echo "cpu:     $(nproc) × $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
echo "kernel:  $(uname -sr)"
echo "load:    $(cut -d ' ' -f 1-3 /proc/loadavg) (1, 5, 15 min) before the run"
echo "wrk:     $(wrk -v 2>&1 | head -n 1 | awk '{ print $1, $2 }' || true), $THREADS threads, $CONNECTIONS connections, ${DURATION} s per run, $ROUNDS rounds"
echo "double:  ${DOUBLE[*]##*/} (RUST_LOG=${RUST_LOG-unset: its default, info})"
echo "parts:   $PARTS"

for part in $PARTS; do
    "part_$part"
done

echo "load:    $(cut -d ' ' -f 1-3 /proc/loadavg) (1, 5, 15 min) after the run"
if ((FLAGGED)); then
    echo "== some runs saw errors (marked !! above); their numbers are not in the medians"
    exit 2
fi
echo "== done"
