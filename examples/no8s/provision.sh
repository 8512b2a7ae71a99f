#!/bin/sh
# The apply action of the DatabaseCluster example: it "provisions" a database
# cluster by writing its desired state to a state file, the way a Terraform or
# Ansible run would change real infrastructure.
#
# Pequod runs it with the object as JSON on stdin and in PEQUOD_* variables,
# one PEQUOD_SPEC_<FIELD> per top-level spec field. Exit 0 with a JSON result
# on stdout is success; anything else fails the attempt with stderr's tail.
set -eu

state_dir="${NO8S_STATE_DIR:-${TMPDIR:-/tmp}/no8s}"
mkdir -p "$state_dir"
state="$state_dir/${PEQUOD_NAMESPACE:-cluster}_${PEQUOD_NAME}.json"

echo "$PEQUOD_TRIGGER: provisioning $PEQUOD_KIND ${PEQUOD_NAMESPACE:+$PEQUOD_NAMESPACE/}$PEQUOD_NAME (generation $PEQUOD_GENERATION)" >&2

# The provider's quota: more is refused, like a cloud API would.
if [ "$PEQUOD_SPEC_STORAGE_GB" -gt 5000 ]; then
  echo "storage quota exceeded: $PEQUOD_SPEC_STORAGE_GB GiB requested, 5000 GiB available" >&2
  exit 1
fi

if [ -f "$state" ] && [ "$(cat "$state")" = "$PEQUOD_SPEC" ]; then
  echo "state file $state is current" >&2
else
  if [ -f "$state" ]; then
    echo "state file $state differs from the spec: correcting" >&2
  fi
  sleep "${NO8S_PROVISION_SECONDS:-1}"
  printf '%s' "$PEQUOD_SPEC" > "$state"
  echo "wrote $state" >&2
fi

replicas="${PEQUOD_SPEC_REPLICAS:-0}"
if [ "$replicas" -gt 0 ]; then
  replication='{"type": "ReplicationHealthy", "status": "True", "reason": "ReplicasInSync", "message": "'"$replicas"' replica(s) in sync"}'
else
  replication='{"type": "ReplicationHealthy", "status": "False", "reason": "NoReplicas", "message": "the cluster has no replicas"}'
fi
cat <<JSON
{
  "outputs": {
    "endpoint": "$PEQUOD_NAME.${PEQUOD_NAMESPACE:-cluster}.db.example.internal:5432",
    "engine": "$PEQUOD_SPEC_ENGINE $PEQUOD_SPEC_ENGINE_VERSION",
    "storageGb": $PEQUOD_SPEC_STORAGE_GB,
    "stateFile": "$state"
  },
  "conditions": [$replication],
  "message": "$PEQUOD_SPEC_ENGINE $PEQUOD_SPEC_ENGINE_VERSION with $PEQUOD_SPEC_STORAGE_GB GiB is provisioned"
}
JSON
