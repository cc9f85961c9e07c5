"""The deployment files agree with each other, with their schemas and with the code they run.

docker-compose.yml, k8s/ (rendered as `kubectl apply -k k8s` renders it), the Dockerfile
and .dockerignore describe one set of processes. These tests fail when one of them drifts:
a selector that misses its pods, a Service port no container declares, a command that
differs between compose and Kubernetes or names code the image lacks, a setting the code
never reads or a needed one nobody sets, a field that `kubectl apply` would reject.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from plumbing import migrate
from plumbing import settings as settings_module

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "k8s"
MIN_KUBERNETES = "1.29.0"
SETTINGS_CONFIGMAP = "dealernet-settings"
SETTINGS_SECRET = "dealernet-secrets"
SECRET_SETTINGS = {"DEALERNET_TOKEN_SECRET"}
CLUSTER_SCOPED_KINDS = {"Namespace"}
MIGRATION_WAIT = re.compile(r"alembic -c (\S+) current")


def expected_processes() -> dict[str, list[str]]:
    """Every process of the platform and its command, as run from the repository root."""
    processes: dict[str, list[str]] = {}
    for service in settings_module.SERVICE_NAMES:
        package = f"{service}_service"
        processes[f"{service}-grpc"] = ["python", "-m", f"{package}.grpc_api"]
        processes[f"{service}-events"] = ["nameko", "run", "--config", "plumbing/nameko.yaml", f"{package}.service"]
        processes[f"{service}-relay"] = ["python", "-m", "plumbing.relay", service]
    for component in migrate.ALEMBIC_CONFIGS:
        processes[f"{component}-migrate"] = ["python", "-m", "plumbing.migrate", component]
    processes["order-plant-feed"] = ["python", "-m", "order_service.plant_feed"]
    processes["gateway"] = ["uvicorn", "gateway.app:app", "--host", "0.0.0.0", "--port", "8000", "--no-access-log"]
    return processes


def component_of(process: str) -> str:
    return process.split("-")[0]


# Loading ----------------------------------------------------------------------------------


def render_kustomization(directory: Path) -> list[dict[str, Any]]:
    """The objects `kubectl kustomize` renders, for the kustomize features k8s/ uses."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unknown = set(kustomization) - {"apiVersion", "kind", "namespace", "resources"}
    assert not unknown, f"{directory}/kustomization.yaml uses {sorted(unknown)}, which render_kustomization ignores"
    objects: list[dict[str, Any]] = []
    for entry in kustomization.get("resources", []):
        path = directory / entry
        if path.is_dir():
            objects.extend(render_kustomization(path))
        else:
            objects.extend(doc for doc in yaml.safe_load_all(path.read_text()) if doc)
    namespace = kustomization.get("namespace")
    if namespace:
        for obj in objects:
            if obj["kind"] not in CLUSTER_SCOPED_KINDS:
                obj["metadata"]["namespace"] = namespace
    return objects


@functools.cache
def k8s_objects() -> tuple[dict[str, Any], ...]:
    return tuple(render_kustomization(K8S))


def k8s(kind: str) -> dict[str, dict[str, Any]]:
    found = [obj for obj in k8s_objects() if obj["kind"] == kind]
    names = [obj["metadata"]["name"] for obj in found]
    assert len(names) == len(set(names)), f"two {kind} objects share a name: {names}"
    return dict(zip(names, found, strict=True))


def workloads() -> dict[str, dict[str, Any]]:
    """Deployments and Jobs by name (no two may share one: compose names them alike)."""
    deployments, jobs = k8s("Deployment"), k8s("Job")
    assert not set(deployments) & set(jobs)
    return {**deployments, **jobs}


def pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    return workload["spec"]["template"]["spec"]


def pod_labels(workload: dict[str, Any]) -> dict[str, str]:
    return workload["spec"]["template"]["metadata"].get("labels", {})


def all_containers(workload: dict[str, Any]) -> list[dict[str, Any]]:
    spec = pod_spec(workload)
    return [*spec.get("initContainers", []), *spec["containers"]]


def main_container(workload: dict[str, Any]) -> dict[str, Any]:
    containers = pod_spec(workload)["containers"]
    assert len(containers) == 1, f"{workload['metadata']['name']}: one process per pod"
    return containers[0]


def selects(selector: Mapping[str, str], labels: Mapping[str, str]) -> bool:
    return bool(selector) and all(labels.get(key) == value for key, value in selector.items())


def declared_port(container: dict[str, Any], port: int | str) -> bool:
    for declared in container.get("ports", []):
        if port in (declared["containerPort"], declared.get("name")):
            return True
    return False


@functools.cache
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def compose_app_services() -> dict[str, dict[str, Any]]:
    """The compose services built from the dealernet image (not the infrastructure)."""
    return {name: service for name, service in compose()["services"].items() if "build" in service}


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text()
    joined = re.sub(r"\\\n", " ", "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")))
    instructions = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, rest = line.strip().partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def dockerfile_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for keyword, rest in dockerfile_instructions():
        if keyword == "ENV":
            env.update(pair.split("=", 1) for pair in rest.split())
    return env


def image_python_path() -> list[Path]:
    """The image's PYTHONPATH, as folders of this repository (the image's WORKDIR is its root)."""
    workdir = next(rest for keyword, rest in dockerfile_instructions() if keyword == "WORKDIR")
    entries = dockerfile_env()["PYTHONPATH"].split(":")
    return [ROOT / PurePosixPath(entry).relative_to(workdir) for entry in entries]


def dockerignore_pattern(pattern: str) -> re.Pattern[str]:
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)


def in_build_context(path: str) -> bool:
    """Whether .dockerignore lets a repository path into the build context: the last rule
    matching the path or one of its parent folders decides, as Docker decides."""
    rules = []
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            negated = line.startswith("!")
            rules.append((negated, dockerignore_pattern(line.lstrip("!").strip("/"))))
    parts = PurePosixPath(path).parts
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    included = True
    for negated, regex in rules:
        if any(regex.fullmatch(candidate) for candidate in candidates):
            included = negated
    return included


def setting_names_the_code_reads() -> set[str]:
    """Every environment variable the settings and the Nameko config read, found by
    recording what plumbing.settings asks for rather than by reading its source."""
    asked: set[str] = set()

    class RecordingEnviron(dict[str, str]):
        def get(self, key: str, default: Any = None) -> Any:
            asked.add(key)
            return super().get(key, default)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "environ", RecordingEnviron())
        loaded = settings_module.load()
        for component in migrate.ALEMBIC_CONFIGS:
            loaded.database_url(component)
        for service in settings_module.SERVICE_NAMES:
            loaded.grpc_target(service)
    nameko_config = (ROOT / "plumbing/nameko.yaml").read_text()
    return asked | set(re.findall(r"\$\{([A-Z0-9_]+)", nameko_config))


def quantity(value: str | int) -> float:
    units = {"m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "k": 1e3, "M": 1e6, "G": 1e9}
    text = str(value)
    for suffix, factor in units.items():
        if text.endswith(suffix) and text[: -len(suffix)].replace(".", "", 1).isdigit():
            return float(text[: -len(suffix)]) * factor
    return float(text)


# Schemas --------------------------------------------------------------------------------


cached_schema_contents = functools.cache(kubernetes_validate.utils.schema_contents)


def test_compose_file_follows_the_compose_specification() -> None:
    schema_file = resources.files("check_jsonschema.builtin_schemas.vendor").joinpath("compose-spec.json")
    schema = json.loads(schema_file.read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = [f"{error.json_path}: {error.message}" for error in validator.iter_errors(compose())]
    assert errors == []


@pytest.mark.parametrize("version", [MIN_KUBERNETES, kubernetes_validate.latest_version()])
def test_kubernetes_objects_follow_the_api_schemas(version: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # The library reads its 1 MB definitions file again for every object; the files never
    # change, so reading each once turns a second into a fifth of one.
    monkeypatch.setattr(kubernetes_validate.utils, "schema_contents", cached_schema_contents)
    failures = []
    for obj in k8s_objects():
        name = f"{obj['kind']}/{obj['metadata']['name']}"
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            failures.append(f"{name}: {'.'.join(map(str, exc.path))}: {exc.message}")
        except kubernetes_validate.SchemaNotFoundError as exc:
            failures.append(f"{name}: {exc.message}")
    assert failures == []


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl (with its built-in kustomize) is not installed")
def test_rendering_here_matches_kubectl_kustomize() -> None:
    rendered = subprocess.run(
        ["kubectl", "kustomize", str(K8S)], capture_output=True, text=True, check=True, timeout=60
    ).stdout

    def keyed(objects: Iterable[Any]) -> dict[tuple[str, str], Any]:
        return {(obj["kind"], obj["metadata"]["name"]): obj for obj in objects if obj}

    assert keyed(yaml.safe_load_all(rendered)) == keyed(k8s_objects())


# Processes ------------------------------------------------------------------------------


def test_each_process_runs_the_same_command_in_compose_and_kubernetes() -> None:
    expected = expected_processes()
    in_compose = {name: service["command"] for name, service in compose_app_services().items()}
    in_k8s = {name: main_container(w)["command"] + main_container(w).get("args", []) for name, w in workloads().items()}
    assert in_compose == expected
    assert in_k8s == expected


def module_file(module: str) -> Path | None:
    relative = Path(*module.split("."))
    for folder in image_python_path():
        for candidate in (folder / relative.with_suffix(".py"), folder / relative / "__init__.py"):
            if candidate.is_file():
                return candidate
    return None


@pytest.mark.parametrize("process", sorted(expected_processes()))
def test_each_command_names_code_that_the_image_holds(process: str) -> None:
    command = expected_processes()[process]
    if command[:2] == ["python", "-m"]:
        module = command[2]
    elif command[0] == "nameko":
        module = command[-1]
        config = command[command.index("--config") + 1]
        assert (ROOT / config).is_file() and in_build_context(config)
    else:
        module = command[1].split(":")[0]
    found = module_file(module)
    assert found is not None, f"{module} is on no folder of the image's PYTHONPATH"
    assert in_build_context(found.relative_to(ROOT).as_posix()), f"{found} is left out by .dockerignore"


# Kubernetes wiring ----------------------------------------------------------------------


def test_deployments_select_their_own_pods_and_no_others() -> None:
    deployments = k8s("Deployment")
    for name, deployment in deployments.items():
        selector = deployment["spec"]["selector"]["matchLabels"]
        matched = [other for other, workload in workloads().items() if selects(selector, pod_labels(workload))]
        assert matched == [name], f"Deployment {name} selects the pods of {matched}"


def test_disruption_budgets_cover_one_deployment_each() -> None:
    for name, budget in k8s("PodDisruptionBudget").items():
        selector = budget["spec"]["selector"]["matchLabels"]
        matched = [other for other, d in k8s("Deployment").items() if selects(selector, pod_labels(d))]
        assert matched == [name]


def test_services_select_pods_that_declare_their_target_ports() -> None:
    for name, service in k8s("Service").items():
        pods = [w for w in k8s("Deployment").values() if selects(service["spec"]["selector"], pod_labels(w))]
        assert pods, f"Service {name} selects no pods"
        for port in service["spec"]["ports"]:
            for workload in pods:
                assert declared_port(main_container(workload), port.get("targetPort", port["port"])), (
                    f"Service {name} sends port {port['port']} to a port {workload['metadata']['name']} lacks"
                )


def test_probes_ask_ports_the_container_declares() -> None:
    for name, workload in k8s("Deployment").items():
        container = main_container(workload)
        for probe_kind in ("startupProbe", "readinessProbe", "livenessProbe"):
            probe = container.get(probe_kind)
            if probe is None:
                continue
            handler = next(probe[key] for key in ("grpc", "httpGet", "tcpSocket", "exec") if key in probe)
            if "port" in handler:
                assert declared_port(container, handler["port"]), f"{name} {probe_kind} asks an undeclared port"


def test_grpc_ports_and_hosts_agree_everywhere() -> None:
    settings = k8s("ConfigMap")[SETTINGS_CONFIGMAP]["data"]
    compose_settings = compose()["x-settings"]
    for service in settings_module.SERVICE_NAMES:
        key = f"DEALERNET_{service.upper()}_GRPC"
        port = int(settings[f"{key}_PORT"])
        name = f"{service}-grpc"
        container = main_container(k8s("Deployment")[name])
        assert settings[f"{key}_HOST"] == name and name in k8s("Service")
        assert [p["containerPort"] for p in container["ports"]] == [port]
        assert container["readinessProbe"]["grpc"]["port"] == port
        assert [p["port"] for p in k8s("Service")[name]["spec"]["ports"]] == [port]
        assert compose_settings[f"{key}_HOST"] == name and name in compose()["services"]
        assert int(compose_settings[f"{key}_PORT"]) == port
        health_check = " ".join(compose()["services"][name]["healthcheck"]["test"])
        assert f"127.0.0.1:{port}'" in health_check


def test_the_gateway_is_published_through_its_service() -> None:
    container = main_container(k8s("Deployment")["gateway"])
    command_port = int(container["command"][container["command"].index("--port") + 1])
    assert declared_port(container, command_port)
    assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
    for ingress in k8s("Ingress").values():
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                service_ports = k8s("Service")[backend["name"]]["spec"]["ports"]
                wanted = backend["port"]
                assert any(
                    wanted.get("name", wanted.get("number")) in (p.get("name"), p["port"]) for p in service_ports
                )
    assert f"{command_port}:{command_port}" in compose()["services"]["gateway"]["ports"]


def test_autoscalers_drive_deployments_that_leave_the_count_to_them() -> None:
    autoscalers = k8s("HorizontalPodAutoscaler")
    for service in settings_module.SERVICE_NAMES:
        assert {f"{service}-grpc", f"{service}-events"} <= set(autoscalers)
    for name, autoscaler in autoscalers.items():
        target = autoscaler["spec"]["scaleTargetRef"]
        assert target["kind"] == "Deployment"
        deployment = k8s("Deployment")[target["name"]]
        # A replicas field would reset the autoscaler's count on every apply.
        assert "replicas" not in deployment["spec"], f"{target['name']} sets replicas under an autoscaler"
        assert autoscaler["spec"]["minReplicas"] <= autoscaler["spec"]["maxReplicas"]
        for container in pod_spec(deployment)["containers"]:
            # CPU utilisation is measured against the request; without one the autoscaler is blind.
            assert "cpu" in container["resources"]["requests"], f"{name}: no CPU request to scale on"


def test_containers_request_no_more_than_their_limits() -> None:
    for name, workload in workloads().items():
        for container in all_containers(workload):
            resources_ = container["resources"]
            for resource in ("cpu", "memory"):
                request, limit = resources_["requests"][resource], resources_["limits"][resource]
                assert quantity(request) <= quantity(limit), f"{name}/{container['name']} {resource}"


def test_pods_meet_the_restricted_pod_security_standard_as_the_image_user() -> None:
    namespace = k8s("Namespace")["dealernet"]
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    user = next(rest for keyword, rest in dockerfile_instructions() if keyword == "USER").split(":")[0]
    for name, workload in workloads().items():
        pod_security = pod_spec(workload)["securityContext"]
        assert pod_security["runAsNonRoot"] is True
        assert str(pod_security["runAsUser"]) == user, f"{name} runs as another user than the image's"
        assert pod_security["seccompProfile"]["type"] == "RuntimeDefault"
        for container in all_containers(workload):
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False
            assert security["capabilities"]["drop"] == ["ALL"]


def test_each_component_waits_for_its_own_migration() -> None:
    jobs = k8s("Job")
    for name, deployment in k8s("Deployment").items():
        component = component_of(name)
        assert f"{component}-migrate" in jobs
        commands = [" ".join(container["command"]) for container in pod_spec(deployment).get("initContainers", [])]
        waits = [match.group(1) for match in map(MIGRATION_WAIT.search, commands) if match]
        expected = migrate.ALEMBIC_CONFIGS[component].relative_to(migrate.ROOT).as_posix()
        assert waits == [expected], f"{name} does not wait for the {component} migration"
        assert in_build_context(expected)
    for name, service in compose_app_services().items():
        if name.endswith("-migrate"):
            assert service["restart"] == "no"
        else:
            migration = service["depends_on"][f"{component_of(name)}-migrate"]
            assert migration["condition"] == "service_completed_successfully"


# Settings -------------------------------------------------------------------------------


def k8s_setting_sources() -> tuple[dict[str, str], dict[str, str]]:
    configmap = k8s("ConfigMap")[SETTINGS_CONFIGMAP]["data"]
    secret = k8s("Secret")[SETTINGS_SECRET]["stringData"]
    return configmap, secret


def test_every_setting_is_one_the_code_reads() -> None:
    configmap, secret = k8s_setting_sources()
    read = setting_names_the_code_reads()
    assert set(configmap) - read == set()
    assert set(secret) - read == set()
    assert set(compose()["x-settings"]) - read == set()


def test_the_settings_a_deployment_cannot_leave_to_defaults_are_set(monkeypatch: pytest.MonkeyPatch) -> None:
    configmap, secret = k8s_setting_sources()
    needed = {
        "DEALERNET_POSTGRES_URL",
        "AMQP_URI",
        "DEALERNET_TOKEN_SECRET",
        "DEALERNET_TRACE_EXPORTER",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        *(f"DEALERNET_{service.upper()}_GRPC_HOST" for service in settings_module.SERVICE_NAMES),
    }
    assert needed <= set(configmap) | set(secret)
    assert SECRET_SETTINGS <= set(secret) and not SECRET_SETTINGS & set(configmap)
    assert not set(configmap) & set(secret)
    monkeypatch.delenv("DEALERNET_TOKEN_SECRET", raising=False)
    assert secret["DEALERNET_TOKEN_SECRET"] != settings_module.load().token_secret, "the code's demo secret"


def test_every_container_gets_the_settings_from_objects_that_exist() -> None:
    configmaps, secrets = k8s("ConfigMap"), k8s("Secret")
    for name, workload in workloads().items():
        for container in all_containers(workload):
            sources = container.get("envFrom", [])
            assert {"configMapRef": {"name": SETTINGS_CONFIGMAP}} in sources, f"{name}/{container['name']}"
            assert {"secretRef": {"name": SETTINGS_SECRET}} in sources, f"{name}/{container['name']}"
            for source in sources:
                if "configMapRef" in source:
                    assert source["configMapRef"]["name"] in configmaps
                if "secretRef" in source:
                    assert source["secretRef"]["name"] in secrets
            for variable in container.get("env", []):
                reference = variable.get("valueFrom", {})
                if "configMapKeyRef" in reference:
                    ref = reference["configMapKeyRef"]
                    assert ref["key"] in configmaps[ref["name"]]["data"]
                if "secretKeyRef" in reference:
                    ref = reference["secretKeyRef"]
                    assert ref["key"] in secrets[ref["name"]]["stringData"]


def test_compose_sets_the_same_settings_as_kubernetes() -> None:
    configmap, secret = k8s_setting_sources()
    compose_settings = compose()["x-settings"]
    assert set(compose_settings) == set(configmap) | set(secret)
    shared = {key: value for key, value in {**configmap, **secret}.items() if key not in SECRET_SETTINGS}
    assert {key: str(compose_settings[key]) for key in shared} == shared
    for name, service in compose_app_services().items():
        assert service["environment"] == compose_settings, f"{name} has settings of its own"


# Compose wiring -------------------------------------------------------------------------


def test_compose_dependencies_exist_and_can_be_met() -> None:
    services = compose()["services"]
    for name, service in services.items():
        depends_on = service.get("depends_on", {})
        if isinstance(depends_on, list):
            depends_on = {target: {"condition": "service_started"} for target in depends_on}
        for target, rule in depends_on.items():
            assert target in services, f"{name} depends on a missing {target}"
            if rule["condition"] == "service_healthy":
                assert "healthcheck" in services[target], f"{name} waits for {target} to be healthy; it has no check"
            if rule["condition"] == "service_completed_successfully":
                assert services[target].get("restart") == "no", f"{target} restarts, so it never completes"


def test_the_gateway_starts_after_every_grpc_server_is_healthy() -> None:
    depends_on = compose()["services"]["gateway"]["depends_on"]
    for service in settings_module.SERVICE_NAMES:
        assert depends_on[f"{service}-grpc"]["condition"] == "service_healthy"


# Image ----------------------------------------------------------------------------------


def test_every_process_runs_from_the_one_image() -> None:
    images = {container["image"] for w in workloads().values() for container in all_containers(w)}
    assert len(images) == 1
    services = compose_app_services()
    assert {service["image"] for service in services.values()} == images
    assert {service["build"] for service in services.values()} == {"."}


def test_the_dockerfile_installs_the_lock_on_the_agreed_base() -> None:
    instructions = dockerfile_instructions()
    assert ("FROM", "python:3.11-slim") in instructions
    runs = " ".join(rest for keyword, rest in instructions if keyword == "RUN")
    assert "pip install --no-cache-dir -r requirements.lock" in runs
    for folder in image_python_path():
        assert folder.is_dir(), f"{folder} is on the image's PYTHONPATH but not in the repository"
    assert in_build_context("requirements.lock")


@pytest.mark.parametrize(
    "path",
    [
        ".venv/bin/python",
        ".git/HEAD",
        "tests/conftest.py",
        "k8s/kustomization.yaml",
        "var/traces.jsonl",
        "plumbing/__pycache__/relay.cpython-311.pyc",
        "services/order/order_service/__pycache__/x.pyc",
    ],
)
def test_the_build_context_leaves_out_what_the_processes_do_not_run(path: str) -> None:
    assert not in_build_context(path)
