"""Validates rendered manifests: Kubernetes' own kinds against the API schemas of the given
Kubernetes versions (kubernetes-validate, strict: an unknown field fails), the operators'
kinds against the operator schemas beside this file (operators.py). An object of a kind neither knows
fails: it would not apply.

    python k8s/schemas/validate.py -k 1.29.0 -k 1.33.0 rendered.yaml...

Prints what each file held and against what it was checked; exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

HERE = Path(__file__).resolve().parent


@functools.cache
def crd_schemas() -> dict[tuple[str, str], dict[str, Any]]:
    """The operator schemas by (apiVersion, kind)."""
    schemas = {}
    for file in sorted(HERE.glob("*/*.json")):
        schema = json.loads(file.read_text())
        properties = schema["properties"]
        schemas[(properties["apiVersion"]["const"], properties["kind"]["const"])] = schema
    return schemas


@functools.cache
def _crd_validator(api_version: str, kind: str) -> Any:
    schema = crd_schemas()[(api_version, kind)]
    return jsonschema.validators.validator_for(schema)(schema)


def crd_source(api_version: str, kind: str) -> str:
    return str(crd_schemas()[(api_version, kind)]["$comment"])


def _install_schema_cache() -> None:
    # kubernetes-validate reads its 1 MB definitions file again for every object; they never
    # change, so one read each.
    utils = kubernetes_validate.utils
    if not hasattr(utils.schema_contents, "cache_info"):
        utils.schema_contents = functools.cache(utils.schema_contents)


def validate(obj: dict[str, Any], kubernetes_versions: Iterable[str]) -> list[str]:
    """The reasons `obj` would not apply; empty when it is valid."""
    _install_schema_cache()
    key = (obj.get("apiVersion", ""), obj.get("kind", ""))
    name = f"{key[1]}/{obj.get('metadata', {}).get('name')}"
    if key in crd_schemas():
        return [f"{name}: {error.json_path}: {error.message}" for error in _crd_validator(*key).iter_errors(obj)]
    failures = []
    for version in kubernetes_versions:
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            failures.append(f"{name} (Kubernetes {version}): {'.'.join(map(str, exc.path))}: {exc.message}")
        except kubernetes_validate.SchemaNotFoundError:
            failures.append(f"{name}: no schema for {key[0]} {key[1]} in Kubernetes {version} or k8s/schemas")
    return failures


def summary(objects: list[dict[str, Any]]) -> list[str]:
    built_in = Counter(obj["kind"] for obj in objects if (obj["apiVersion"], obj["kind"]) not in crd_schemas())
    custom = Counter(
        (obj["apiVersion"], obj["kind"]) for obj in objects if (obj["apiVersion"], obj["kind"]) in crd_schemas()
    )
    lines = []
    if built_in:
        lines.append("  Kubernetes: " + ", ".join(f"{count} {kind}" for kind, count in sorted(built_in.items())))
    for (api_version, kind), count in sorted(custom.items()):
        lines.append(f"  CRD: {count} {kind} against {crd_source(api_version, kind)}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", "--kubernetes-version", action="append", required=True)
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args()
    failed = False
    for file in args.files:
        objects = [doc for doc in yaml.safe_load_all(file.read_text()) if doc]
        failures = [failure for obj in objects for failure in validate(obj, args.kubernetes_version)]
        versions = " and ".join(args.kubernetes_version)
        print(f"{file}: {len(objects)} objects, {'INVALID' if failures else 'valid'} (Kubernetes {versions}, strict)")
        print("\n".join(summary(objects)))
        for failure in failures:
            print(f"  FAIL {failure}")
        failed = failed or bool(failures)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
