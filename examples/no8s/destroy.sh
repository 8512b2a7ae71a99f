#!/bin/sh
# The destroy action of the DatabaseCluster example: Pequod runs it before the
# object is deleted (the object keeps Pequod's finalizer until it succeeds).
set -eu

state_dir="${NO8S_STATE_DIR:-${TMPDIR:-/tmp}/no8s}"
state="$state_dir/${PEQUOD_NAMESPACE:-cluster}_${PEQUOD_NAME}.json"
echo "deprovisioning $PEQUOD_KIND ${PEQUOD_NAMESPACE:+$PEQUOD_NAMESPACE/}$PEQUOD_NAME" >&2
rm -f "$state"
echo '{"message": "deprovisioned"}'
