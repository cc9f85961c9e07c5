#!/usr/bin/env bash
# Fails when the committed gRPC stubs differ from what proto/ generates now.
set -euo pipefail
cd "$(dirname "$0")/.."
fresh=$(mktemp -d)
trap 'rm -rf "$fresh"' EXIT
scripts/gen_proto.sh "$fresh"
if ! diff -r -q proto/gen/dealernet "$fresh/dealernet"; then
  echo "proto/gen is stale or was edited by hand: run 'make proto' and commit the result" >&2
  exit 1
fi
echo "gRPC stubs are fresh."
