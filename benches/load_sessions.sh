# Part "sessions" of benches/load.sh, which sources this file and whose helpers and settings
# it uses. SPEC §16 promises that requests in different sessions share no lock, so that N
# sessions under load serve at least as many requests per second as one double. One server,
# one ResetPIN load (CONNECTIONS connections, THREADS wrk threads), three targets in
# interleaved rounds: the root double, one session, and SESSIONS sessions taken in turn request
# by request. Every run goes through benches/spread.lua, so wrk does the same work per request
# for each target and only where the requests go differs.

# new_session URL NAME: creates a session named NAME on the server at URL and sets
# SESSION_PREFIX to its prefix, /sessions/ID.
new_session() {
    local answer status id
    answer=$(curl -s -m 5 -w '\n%{http_code}' -H 'Content-Type: application/json' \
        --data "{\"name\": \"$2\"}" "$1/__admin/sessions") || die "POST /__admin/sessions failed"
    status=${answer##*$'\n'}
    [[ $status == 201 ]] || die "POST /__admin/sessions answered $status: ${answer%$'\n'*}"
    id=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' <<<"${answer%$'\n'*}")
    [[ -n $id ]] || die "no id in the new session: ${answer%$'\n'*}"
    SESSION_PREFIX=/sessions/$id
}

# emails_at URL: how many emails the double at URL (the root's or a session's) holds.
emails_at() {
    curl -s -m 5 "$1/__admin/emails?limit=0" | sed -n 's/^{"total":\([0-9]*\),.*/\1/p'
}

# cpu_ticks PID: the CPU time the process has used, user and system, in clock ticks.
cpu_ticks() {
    # The fields after the command's closing parenthesis, which may itself hold spaces.
    local stat
    stat=$(<"/proc/$1/stat")
    awk '{ print $12 + $13 }' <<<"${stat##*) }"
}

# ratios NUMERATOR DENOMINATOR: the per-round ratios of two targets' req/s, from RPS.
ratios() {
    local round a b
    RATIOS=()
    for ((round = 1; round <= ROUNDS; round++)); do
        a=${RPS[$1,$round]-} b=${RPS[$2,$round]-}
        if [[ -n $a && -n $b ]]; then
            RATIOS+=("$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", a / b }')")
        fi
    done
}

part_sessions() {
    local url pid prefix target round flag i one ticks cpu spread=() rps=() p50s=() p99s=() cpus=()
    local -A RPS P50 P99 CPU TARGETS
    local hz
    hz=$(getconf CLK_TCK)
    echo "== sessions: ResetPIN at the root, in one session, and spread over $SESSIONS sessions of one server${SESSIONS_FLAGS:+ ($SESSIONS_FLAGS)}"
    # shellcheck disable=SC2086 # SESSIONS_FLAGS is a list of words
    start_server sessions "${DOUBLE[@]}" $SESSIONS_FLAGS
    pid=$SERVER_PID url=$SERVER_URL
    new_session "$url" one
    one=$SESSION_PREFIX
    for ((i = 1; i <= SESSIONS; i++)); do
        new_session "$url" "spread-$i"
        spread+=("$SESSION_PREFIX")
    done
    TARGETS[root]="" TARGETS[one]=$one TARGETS[spread]="${spread[*]}"
    echo "server $url (pid $pid); one session $one; $SESSIONS more for the spread"

    # Each target answers under its prefix, and the email lands in its own double only.
    for prefix in "" "$one" "${spread[@]}"; do
        post "$url$prefix" ResetPIN
        [[ $C_status == 200 ]] || die "ResetPIN under '$prefix' answered $C_status: $(cat "$TMP/body")"
    done
    for prefix in "" "$one" "${spread[@]}"; do
        [[ $(emails_at "$url$prefix") == 1 ]] ||
            die "the double under '$prefix' holds $(emails_at "$url$prefix") emails after one ResetPIN there, not 1"
    done
    echo "checked: ResetPIN answers 200 under every prefix, and each double holds its own one email"

    echo "== warm-up: ${WARMUP} s of ResetPIN per target (fills the stores)"
    for target in root one spread; do
        # shellcheck disable=SC2086 # the prefixes are words without spaces
        wrk_script benches/spread.lua "$url" "$WARMUP" ResetPIN ${TARGETS[$target]:-""}
        if ((R_non2xx + R_socket_errors > 0)); then
            echo "!! warm-up of $target: $R_non2xx non-2xx, $R_socket_errors socket errors"
            FLAGGED=1
        fi
    done

    echo "== rounds (root, one session, $SESSIONS sessions; in turn)"
    printf '%-5s %-12s %10s %9s %9s %11s %7s %6s\n' round target req/s p50_ms p99_ms cpu_us/req non2xx sockerr
    for ((round = 1; round <= ROUNDS; round++)); do
        for target in root one spread; do
            ticks=$(cpu_ticks "$pid")
            # shellcheck disable=SC2086
            wrk_script benches/spread.lua "$url" "$DURATION" ResetPIN ${TARGETS[$target]:-""}
            cpu=$(awk -v t=$(($(cpu_ticks "$pid") - ticks)) -v hz="$hz" -v n="$R_requests" \
                'BEGIN { printf "%.1f", t / hz * 1e6 / n }')
            flag=""
            if ((R_non2xx + R_socket_errors > 0)); then
                flag="  !! errors: left out of the medians"
                FLAGGED=1
            else
                RPS[$target,$round]=$R_rps P50[$target,$round]=$R_p50_ms P99[$target,$round]=$R_p99_ms
                CPU[$target,$round]=$cpu
            fi
            printf '%-5s %-12s %10.0f %9s %9s %11s %7s %6s%s\n' "$round" "$(label "$target")" \
                "$R_rps" "$R_p50_ms" "$R_p99_ms" "$cpu" "$R_non2xx" "$R_socket_errors" "$flag"
        done
    done

    echo "== medians over rounds without errors (ResetPIN, $CONNECTIONS connections)"
    printf '%-12s %10s %9s %9s %11s\n' target req/s p50_ms p99_ms cpu_us/req
    for target in root one spread; do
        rps=() p50s=() p99s=() cpus=()
        for ((round = 1; round <= ROUNDS; round++)); do
            [[ -n ${RPS[$target,$round]-} ]] || continue
            rps+=("${RPS[$target,$round]}") p50s+=("${P50[$target,$round]}") p99s+=("${P99[$target,$round]}")
            cpus+=("${CPU[$target,$round]}")
        done
        printf '%-12s %10s %9s %9s %11s\n' "$(label "$target")" "$(whole "$(median "${rps[@]}")")" \
            "$(median "${p50s[@]}")" "$(median "${p99s[@]}")" "$(median "${cpus[@]}")"
    done
    ratios spread one
    echo "$SESSIONS sessions / one session, per round: ${RATIOS[*]:-n/a}; median $(median "${RATIOS[@]}")"
    ratios spread root
    echo "$SESSIONS sessions / root, per round:        ${RATIOS[*]:-n/a}; median $(median "${RATIOS[@]}")"
    ratios one root
    echo "one session / root, per round:       ${RATIOS[*]:-n/a}; median $(median "${RATIOS[@]}")"

    # The spread reached every session: each holds emails of its own.
    for prefix in "${spread[@]}"; do
        (($(emails_at "$url$prefix") > 1)) || die "the session under $prefix got no ResetPIN of the spread"
    done
    echo "emails held: root $(emails_at "$url"), one session $(emails_at "$url$one"), each of the $SESSIONS:" \
        "$(for prefix in "${spread[@]}"; do printf '%s ' "$(emails_at "$url$prefix")"; done)"
    echo "RSS after the rounds: $(rss_kib "$pid" VmRSS) KiB ($((SESSIONS + 2)) doubles)"
    stop_server "$pid"
}

# label TARGET: how the tables name a target.
label() {
    case $1 in
    root) echo root ;;
    one) echo "1 session" ;;
    spread) echo "$SESSIONS sessions" ;;
    esac
}
