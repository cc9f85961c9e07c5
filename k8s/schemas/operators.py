"""Writes the JSON Schemas the operators' resources in the overlays are checked against.

Written here from the operators' API references, for the fields dealernet's overlays use
and the common ones beside them. Strict, as the API server is under strict field
validation: an object takes only the fields listed, so a misspelt or misplaced field fails
here before it fails in a cluster. A field the overlays start to use is added here first.

    .venv/bin/python k8s/schemas/operators.py   # rewrites the *.json files beside it
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

STRING: dict[str, Any] = {"type": "string"}
INTEGER: dict[str, Any] = {"type": "integer"}
BOOLEAN: dict[str, Any] = {"type": "boolean"}
# A Kubernetes quantity ("2Gi", "500m", 2).
QUANTITY: dict[str, Any] = {"anyOf": [{"type": "integer"}, {"type": "string"}]}
STRINGS: dict[str, Any] = {"type": "array", "items": STRING}
STRING_MAP: dict[str, Any] = {"type": "object", "additionalProperties": STRING}
# Fields whose contents the operators pass on to Kubernetes as they are (affinity, tolerations).
ANY_OBJECT: dict[str, Any] = {"type": "object"}


def strict(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = list(required)
    return schema


def minimum(value: int) -> dict[str, Any]:
    return {"type": "integer", "minimum": value}


def one_of(*values: str) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)}


RESOURCES = strict(
    {
        "limits": {"type": "object", "additionalProperties": QUANTITY},
        "requests": {"type": "object", "additionalProperties": QUANTITY},
    }
)


def resource(api_version: str, kind: str, reference: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$comment": f"{kind} {api_version}, written from {reference} (k8s/schemas/operators.py)",
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "apiVersion": {"const": api_version},
            "kind": {"const": kind},
            "metadata": ANY_OBJECT,
            "spec": spec,
            "status": ANY_OBJECT,
        },
        "additionalProperties": False,
    }


KEDA = "KEDA 2.x's API reference (keda.sh/docs/2.x/reference/scaledobject-spec)"
TRIGGER = strict(
    {
        "type": STRING,
        "name": STRING,
        # KEDA reads every trigger setting as a string, numbers included.
        "metadata": STRING_MAP,
        "authenticationRef": strict(
            {"name": STRING, "kind": one_of("TriggerAuthentication", "ClusterTriggerAuthentication")}, ("name",)
        ),
        "metricType": one_of("AverageValue", "Value", "Utilization"),
        "useCachedMetrics": BOOLEAN,
    },
    ("type", "metadata"),
)
SCALED_OBJECT = resource(
    "keda.sh/v1alpha1",
    "ScaledObject",
    KEDA,
    strict(
        {
            "scaleTargetRef": strict(
                {"name": STRING, "kind": STRING, "apiVersion": STRING, "envSourceContainerName": STRING}, ("name",)
            ),
            "pollingInterval": minimum(1),
            "cooldownPeriod": minimum(0),
            "initialCooldownPeriod": minimum(0),
            "idleReplicaCount": minimum(0),
            "minReplicaCount": minimum(0),
            "maxReplicaCount": minimum(1),
            "fallback": strict(
                {"failureThreshold": minimum(1), "replicas": minimum(0)}, ("failureThreshold", "replicas")
            ),
            "advanced": ANY_OBJECT,
            "triggers": {"type": "array", "minItems": 1, "items": TRIGGER},
        },
        ("scaleTargetRef", "triggers"),
    ),
)
TRIGGER_AUTHENTICATION = resource(
    "keda.sh/v1alpha1",
    "TriggerAuthentication",
    "KEDA 2.x's API reference (keda.sh/docs/2.x/concepts/authentication)",
    strict(
        {
            "secretTargetRef": {
                "type": "array",
                "items": strict({"parameter": STRING, "name": STRING, "key": STRING}, ("parameter", "name", "key")),
            },
            "env": {
                "type": "array",
                "items": strict({"parameter": STRING, "name": STRING, "containerName": STRING}, ("parameter", "name")),
            },
        }
    ),
)

CNPG = "CloudNativePG 1.x's API reference (cloudnative-pg.io/documentation/current/cloudnative-pg.v1)"
CLUSTER = resource(
    "postgresql.cnpg.io/v1",
    "Cluster",
    CNPG,
    strict(
        {
            "description": STRING,
            "instances": minimum(1),
            "imageName": STRING,
            "primaryUpdateStrategy": one_of("supervised", "unsupervised"),
            "enableSuperuserAccess": BOOLEAN,
            "affinity": strict(
                {
                    "enablePodAntiAffinity": BOOLEAN,
                    "topologyKey": STRING,
                    "podAntiAffinityType": one_of("preferred", "required"),
                    "nodeSelector": STRING_MAP,
                    "tolerations": {"type": "array", "items": ANY_OBJECT},
                }
            ),
            "bootstrap": strict(
                {
                    "initdb": strict(
                        {
                            "database": STRING,
                            "owner": STRING,
                            "secret": strict({"name": STRING}, ("name",)),
                            "encoding": STRING,
                            "localeCollate": STRING,
                            "localeCType": STRING,
                            "postInitSQL": STRINGS,
                        }
                    )
                }
            ),
            "postgresql": strict({"parameters": STRING_MAP, "pg_hba": STRINGS}),
            "resources": RESOURCES,
            "storage": strict({"size": STRING, "storageClass": STRING}, ("size",)),
            "walStorage": strict({"size": STRING, "storageClass": STRING}, ("size",)),
            "monitoring": strict({"enablePodMonitor": BOOLEAN}),
        },
        ("instances", "storage"),
    ),
)
DATABASE = resource(
    "postgresql.cnpg.io/v1",
    "Database",
    CNPG,
    strict(
        {
            "cluster": strict({"name": STRING}, ("name",)),
            "name": STRING,
            "owner": STRING,
            "ensure": one_of("present", "absent"),
            "databaseReclaimPolicy": one_of("retain", "delete"),
        },
        ("cluster", "name", "owner"),
    ),
)

RABBITMQ_CLUSTER = resource(
    "rabbitmq.com/v1beta1",
    "RabbitmqCluster",
    "the RabbitMQ Cluster Operator's API reference (rabbitmq.com/kubernetes/operator/using-operator)",
    strict(
        {
            "replicas": minimum(0),
            "image": STRING,
            "persistence": strict({"storage": QUANTITY, "storageClassName": STRING}),
            "rabbitmq": strict(
                {
                    "additionalConfig": STRING,
                    "additionalPlugins": STRINGS,
                    "advancedConfig": STRING,
                    "envConfig": STRING,
                }
            ),
            "resources": RESOURCES,
            "service": strict({"type": one_of("ClusterIP", "LoadBalancer", "NodePort")}),
            "affinity": ANY_OBJECT,
            "tolerations": {"type": "array", "items": ANY_OBJECT},
        }
    ),
)

FILES = {
    "keda.sh/scaledobject_v1alpha1.json": SCALED_OBJECT,
    "keda.sh/triggerauthentication_v1alpha1.json": TRIGGER_AUTHENTICATION,
    "postgresql.cnpg.io/cluster_v1.json": CLUSTER,
    "postgresql.cnpg.io/database_v1.json": DATABASE,
    "rabbitmq.com/rabbitmqcluster_v1beta1.json": RABBITMQ_CLUSTER,
}


def main() -> None:
    for name, schema in FILES.items():
        path = HERE / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(schema, indent=1, sort_keys=True) + "\n")
        print(f"wrote {path.relative_to(HERE.parent.parent)}")


if __name__ == "__main__":
    main()
