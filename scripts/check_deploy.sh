#!/usr/bin/env bash
# Checks the deployment files offline, with no Docker engine and no cluster:
#   1. docker-compose.yml against the Compose Specification schema (the copy that
#      check-jsonschema ships), plus `docker compose config` where Compose 2+ exists,
#      and the Dockerfile through hadolint where it is installed;
#   2. k8s/ rendered by kustomize (the one built into kubectl) and every object checked
#      strictly against the Kubernetes API schemas (the copies kubernetes-validate ships);
# The consistency tests in tests/unit/test_deploy_manifests.py run with the suite (they
# also render k8s/ and validate both files themselves, so they hold where kubectl is missing).
# Stops with a non-zero status at the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
py="${PYTHON:-.venv/bin/python}"
# The oldest Kubernetes the manifests must apply to (native gRPC probes need 1.27).
min_kubernetes=1.29.0

for module in check_jsonschema kubernetes_validate; do
  if ! "$py" -c "import $module" 2>/dev/null; then
    echo "check_deploy: $module is missing; install the pinned tools: pip install -r requirements.lock" >&2
    exit 1
  fi
done

echo "== docker-compose.yml: Compose Specification schema"
"$py" -m check_jsonschema --builtin-schema vendor.compose-spec docker-compose.yml
# Compose itself resolves the anchors, interpolation and dependencies; version 1 (the
# Python one) predates parts of the spec the file uses, so only 2 and later count.
if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
elif command -v docker-compose >/dev/null 2>&1 && docker-compose version --short 2>/dev/null | grep -qE '^v?([2-9]|[1-9][0-9])\.'; then
  compose=(docker-compose)
else
  compose=()
fi
if [ ${#compose[@]} -gt 0 ]; then
  echo "== docker-compose.yml: ${compose[*]} config"
  "${compose[@]}" -f docker-compose.yml config --quiet
else
  echo "== docker-compose.yml: no Docker Compose 2+ here, schema check only"
fi

hadolint=$(command -v hadolint || true)
[ -n "$hadolint" ] || [ ! -x "$(dirname "$py")/hadolint" ] || hadolint="$(dirname "$py")/hadolint"
if [ -n "$hadolint" ]; then
  echo "== Dockerfile: hadolint"
  "$hadolint" Dockerfile
else
  echo "== Dockerfile: no hadolint here; the tests below check what the processes need of it"
fi

if command -v kubectl >/dev/null 2>&1; then
  echo "== k8s/: kubectl kustomize, then kubernetes-validate --strict against Kubernetes $min_kubernetes"
  rendered=$(mktemp)
  trap 'rm -f "$rendered"' EXIT
  kubectl kustomize k8s >"$rendered"
  report=$("$py" -m kubernetes_validate --strict --quiet -k "$min_kubernetes" "$rendered") || {
    echo "$report"
    exit 1
  }
  # kubernetes-validate only warns about a kind or API version it has no schema for;
  # such an object would not apply, so it fails here.
  if [ -n "$report" ]; then
    echo "$report"
    exit 1
  fi
  echo "$(grep -c '^kind:' "$rendered") objects valid"
else
  echo "== k8s/: no kubectl here; the tests below render k8s/ themselves"
fi
