#!/usr/bin/env bash
# Generates the Python gRPC stubs from proto/ into the given directory
# (proto/gen by default). The stubs are build output: never edit them by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-proto/gen}"
py="${PYTHON:-.venv/bin/python}"
rm -rf "$out/dealernet"
mkdir -p "$out"
"$py" -m grpc_tools.protoc -I proto \
  --python_out="$out" --pyi_out="$out" --grpc_python_out="$out" \
  proto/dealernet/v1/*.proto
touch "$out/dealernet/__init__.py" "$out/dealernet/v1/__init__.py"
