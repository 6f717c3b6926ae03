#!/bin/bash
# One tab press, coracle against Podman: the time of the call each one's
# completion script makes, averaged over 20. Run as the unprivileged user whose
# store it reads: bench/complete.sh [CORACLE_BINARY]
set -u
B=${1:-coracle}
cd /tmp
t() { local s=$(date +%s%N); for i in $(seq 20); do "$@" >/dev/null 2>&1; done; echo "$(( ($(date +%s%N) - s) / 20000000 )) ms per call: $*"; }
t env CORACLE_COMPLETE=bash _CLAP_COMPLETE_INDEX=2 $B -- coracle rm ""
t env CORACLE_COMPLETE=bash _CLAP_COMPLETE_INDEX=2 $B -- coracle rm w
t env CORACLE_COMPLETE=bash _CLAP_COMPLETE_INDEX=1 $B -- coracle vol
t $B version
t podman __complete rm ""
t podman __complete rm w
