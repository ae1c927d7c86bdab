# Process helpers shared by bench/run.sh and bench/soak.sh (sourced). The caller sets WORK (logs go to
# $WORK/logs) and an array PIDS, which collects every pid start_bg starts, for the caller's cleanup.

# start_bg NAME CMD...: runs CMD in the background, output to $WORK/logs/NAME.log; its pid in LAST_PID.
start_bg() {
    local name=$1; shift
    "$@" >"$WORK/logs/$name.log" 2>&1 &   # an external command, not a shell function: $! is then its pid
    LAST_PID=$!
    PIDS+=("$LAST_PID")
}

# ours PID: alive, not a zombie, and still our child (so the pid was not reused by someone else's process).
ours() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }            # fields after "(comm) "
    local -a f=($stat)
    [[ ${f[0]} != Z && ${f[1]} == "$$" ]]
}

# stop PID...: SIGTERM, then SIGKILL after 3 s, only for processes that are ours.
stop() {
    local pid i
    local -a alive=()
    for pid in "$@"; do
        if ours "$pid"; then kill -TERM "$pid" 2>/dev/null || true; alive+=("$pid"); fi
    done
    for ((i = 0; i < 30 && ${#alive[@]} > 0; i++)); do
        local -a still=()
        for pid in "${alive[@]}"; do ours "$pid" && still+=("$pid"); done
        alive=("${still[@]+"${still[@]}"}")
        ((${#alive[@]})) && sleep 0.1
    done
    for pid in "${alive[@]+"${alive[@]}"}"; do kill -KILL "$pid" 2>/dev/null || true; done
    for pid in "$@"; do wait "$pid" 2>/dev/null || true; done
}
