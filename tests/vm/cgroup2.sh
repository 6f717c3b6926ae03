# Runs inside the cgroup v2 VM (scripts/cgroup2-vm), as root at boot: drives
# coracle as the unprivileged user `tester`, whose systemd delegates cpu,
# memory and pids (Debian's user@.service), and checks what a user sees.
# Prints one line per check and PASS or FAIL last.

as_user() {
    runuser -u tester -- env -i PATH=/usr/bin:/bin HOME=/home/tester \
        XDG_RUNTIME_DIR=/run/user/1000 "$@"
}
C=/mnt/host/coracle
SCOPES=/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/user.slice
failed=0
check() { # check DESCRIPTION EXPECTED ACTUAL
    if [ "$2" = "$3" ]; then
        echo "ok - $1"
    else
        echo "not ok - $1: expected [$2], got [$3]"
        failed=1
    fi
}
run() { as_user $C run --rm --network none "$@" 2>&1; }

cd /tmp
as_user $C import /mnt/host/busybox.tar bb >/dev/null
check "info names systemd and its controllers" "systemd [cpu memory pids]" \
    "$(as_user $C info --format '{{.Host.CgroupManager}} {{.Host.CgroupControllers}}')"
check "--memory and --pids-limit are the container's cgroup's" "33554432 50" \
    "$(run --memory 32m --pids-limit 50 bb sh -c 'echo $(cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max)')"
check "--cpus is a quota" "50000 100000" "$(run --cpus 0.5 bb cat /sys/fs/cgroup/cpu.max)"
check "a limit systemd does not delegate is dropped with a warning" \
    "Resource limits of the cpuset controller are not supported and ignored: systemd does not delegate it to this user (Delegate= of user@.service)|50000 100000" \
    "$(run --cpuset-cpus 0 --cpus 0.5 bb cat /sys/fs/cgroup/cpu.max | paste -sd'|')"
check "--pids-limit stops a fork bomb" "sh: can't fork: Resource temporarily unavailable" \
    "$(run --pids-limit 10 bb sh -c 'for i in $(seq 30); do sleep 5 & done; wait' | grep -m1 fork)"
hog='x=$(head -c 100000000 /dev/zero | tr "\0" a)'
as_user $C run --name hog --network none --memory 20m bb sh -c "$hog" >/dev/null 2>&1
check "--memory kills a memory hog" "137" "$?"
check "an OOM-killed container shows OOMKilled" "true 137" \
    "$(as_user $C inspect --format '{{.State.OOMKilled}} {{.State.ExitCode}}' hog)"
as_user $C run -d --name hog-d --network none --memory 20m bb sh -c "$hog" >/dev/null
as_user $C wait hog-d >/dev/null
check "so does a detached one" "true 137" \
    "$(as_user $C inspect --format '{{.State.OOMKilled}} {{.State.ExitCode}}' hog-d)"
as_user $C rm hog hog-d >/dev/null
as_user $C run -d --name plain --network none bb sleep 60 >/dev/null
check "a container with no limits gets no scope" "" "$(ls $SCOPES 2>/dev/null | grep coracle-)"
as_user $C run -d --name capped --network none --memory 64m bb sleep 60 >/dev/null
check "stats shows the limit" "67108864" "$(as_user $C stats --no-stream --format '{{.MemLimit}}' capped)"
as_user $C update --memory 48m capped >/dev/null
check "update writes the running container's cgroup" "50331648" \
    "$(as_user $C exec capped cat /sys/fs/cgroup/memory.max)"
check "update of a container started with no limits says when they apply" \
    "the new limits of container" \
    "$(as_user $C update --memory 48m plain 2>&1 >/dev/null | grep -o 'the new limits of container')"
as_user $C rm -f -t 0 plain capped >/dev/null
check "--cgroup-parent must be a slice" "125 Error: --cgroup-parent mine is not a systemd slice (NAME.slice): rootless limits go through the user's systemd" \
    "$(out=$(run --memory 32m --cgroup-parent mine bb true); echo "$? $out")"
as_user $C run -d --name sliced --network none --memory 32m --cgroup-parent my-app.slice bb sleep 60 >/dev/null
check "--cgroup-parent names the slice" "1" \
    "$(ls -d ${SCOPES%/user.slice}/my.slice/my-app.slice/coracle-*.scope | wc -l)"
as_user $C rm -f -t 0 sliced >/dev/null
check "no scope is left behind" "" "$(ls $SCOPES 2>/dev/null | grep coracle-)"
[ "$failed" = 0 ] && echo PASS || echo FAIL
