"""The deployment files agree with each other, with their schemas and with the code they run.

docker-compose.yml, k8s/ (rendered as `kubectl apply -k k8s` renders it), the Dockerfile
and .dockerignore describe one set of processes. These tests fail when one of them drifts:
a selector that misses its pods, a Service port no container declares, a command that
differs between compose and Kubernetes or names code its image lacks, an image holding
another service's code or missing a package its code imports, a setting the code never
reads or a needed one nobody sets, a field that `kubectl apply` would reject.

There is no Docker engine here, so the images are read from the Dockerfile: which files
each target copies from the build context, its PYTHONPATH and user, and the packages its
virtualenv installs.
"""

from __future__ import annotations

import ast
import configparser
import functools
import importlib.metadata
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

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
IMAGE_PREFIX = "dealernet-"
# A stand-in for a plant's MES, for the demo: compose runs it, a cluster talks to real plants.
COMPOSE_ONLY_PROCESSES = {"plant-simulator": ["python", "-m", "scripts.plant_simulator"]}
# Code each image holds besides plumbing/ and proto/gen/: a component's folder holds its
# package, its alembic.ini and its migrations.
OWN_CODE = {
    **{component: config.parent.relative_to(ROOT).as_posix() for component, config in migrate.ALEMBIC_CONFIGS.items()},
    "plant-simulator": "scripts/plant_simulator.py",
}
SHARED_CODE = ("plumbing", "proto/gen")


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


def image_target_of(process: str) -> str:
    """The Dockerfile target a process's image is built from: its component's."""
    return process if process in COMPOSE_ONLY_PROCESSES else component_of(process)


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


@dataclass(frozen=True)
class Image:
    """What one Dockerfile target holds, as far as the processes depend on it."""

    target: str
    base: str  # the external image the target's chain of stages starts from
    files: dict[str, str]  # path under the WORKDIR -> the repository file copied there
    env: dict[str, str]
    user: str
    workdir: str
    requirements: tuple[str, ...]  # what its virtualenv's `pip install` names
    constraints: str | None  # the `-c` file that pins them

    def python_path(self) -> list[str]:
        return [
            PurePosixPath(entry).relative_to(self.workdir).as_posix() for entry in self.env["PYTHONPATH"].split(":")
        ]

    def module_file(self, module: str) -> str | None:
        """The file under the WORKDIR that `import module` finds, or None."""
        relative = module.replace(".", "/")
        for folder in self.python_path():
            prefix = "" if folder == "." else folder + "/"
            for candidate in (f"{prefix}{relative}.py", f"{prefix}{relative}/__init__.py"):
                if candidate in self.files:
                    return candidate
        return None


def dockerfile_stages() -> dict[str, tuple[str, list[tuple[str, str]]]]:
    """Each stage's name, with what it is built FROM and its instructions."""
    stages: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    current: list[tuple[str, str]] = []
    for keyword, rest in dockerfile_instructions():
        if keyword == "FROM":
            words = rest.split()
            assert len(words) == 3 and words[1].upper() == "AS", f"every stage is named: FROM {rest}"
            current = []
            stages[words[2]] = (words[0], current)
        elif stages:
            current.append((keyword, rest))
    return stages


def repository_files(source: str) -> list[str]:
    """The files a COPY source brings from the build context (as .dockerignore filters it)."""
    path = ROOT / source
    assert path.exists(), f"the Dockerfile copies {source}, which is not in the repository"
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    return [f.relative_to(ROOT).as_posix() for f in files if in_build_context(f.relative_to(ROOT).as_posix())]


@functools.cache
def image(target: str) -> Image:
    stages = dockerfile_stages()
    assert target in stages, f"the Dockerfile has no target {target}"
    chain = [target]
    while stages[chain[-1]][0] in stages:
        chain.append(stages[chain[-1]][0])
    files: dict[str, str] = {}
    env: dict[str, str] = {}
    user, workdir, venv_stage = "", "/", None
    for stage in reversed(chain):
        for keyword, rest in stages[stage][1]:
            if keyword == "ENV":
                env.update(pair.split("=", 1) for pair in shlex.split(rest))
            elif keyword == "USER":
                user = rest
            elif keyword == "WORKDIR":
                workdir = rest
            elif keyword == "COPY":
                words = shlex.split(rest)
                flags = [w for w in words if w.startswith("--")]
                *sources, destination = [w for w in words if not w.startswith("--")]
                copied_from = [flag.split("=", 1)[1] for flag in flags if flag.startswith("--from=")]
                if copied_from:
                    assert sources == ["/opt/venv"] and copied_from[0] in stages, f"{target}: COPY {rest}"
                    venv_stage = copied_from[0]
                    continue
                into = PurePosixPath(workdir, destination).relative_to(workdir)
                for source in sources:
                    for file in repository_files(source):
                        if (ROOT / source).is_dir():
                            inside = PurePosixPath(file).relative_to(source.rstrip("/"))
                        else:
                            assert destination.endswith("/"), f"{target}: COPY {rest} names a file, not a folder"
                            inside = PurePosixPath(PurePosixPath(file).name)
                        files[(into / inside).as_posix()] = file
    requirements: list[str] = []
    constraints = None
    if venv_stage is not None:
        for keyword, rest in stages[venv_stage][1]:
            words = shlex.split(rest)
            if keyword == "RUN" and "install" in words and "pip" in words[0]:
                args = iter(words[words.index("install") + 1 :])
                for word in args:
                    if word in ("-c", "--constraint"):
                        constraints = next(args)
                    elif word.startswith("-"):
                        assert word == "--no-cache-dir", f"{venv_stage}: unexpected pip option {word}"
                    else:
                        requirements.append(word)
    base = target
    while base in stages:
        base = stages[base][0]
    return Image(target, base, files, env, user, workdir, tuple(requirements), constraints)


def image_targets() -> set[str]:
    """The targets the deployments run: one per component, and the plant simulator."""
    return set(OWN_CODE)


def image_name_target(name: str) -> str:
    assert name.startswith(IMAGE_PREFIX), f"{name} is not a dealernet image"
    return name.split(":")[0].removeprefix(IMAGE_PREFIX)


def process_commands() -> dict[str, tuple[str, list[list[str]]]]:
    """Each process's image target and every command its containers run (k8s init
    containers included), from compose and Kubernetes."""
    found: dict[str, tuple[str, list[list[str]]]] = {}
    for name, workload in workloads().items():
        for container in all_containers(workload):
            target, commands = found.setdefault(name, (image_name_target(container["image"]), []))
            assert image_name_target(container["image"]) == target, f"{name}: two images in one pod"
            commands.append(container["command"] + container.get("args", []))
    for name, service in compose_app_services().items():
        target, commands = found.setdefault(name, (service["build"]["target"], []))
        commands.append(service["command"])
    return found


def alembic_script_folder(config: str) -> str:
    parser = configparser.ConfigParser(defaults={"here": str((ROOT / config).parent)})
    parser.read(ROOT / config)
    folder = parser["alembic"]["script_location"]
    return Path(folder).resolve().relative_to(ROOT).as_posix()


def imports_of(source: str) -> list[str]:
    """The modules a file imports, with `from a import b` giving a.b too (b may be a module),
    wherever in the file (lazy imports count: they run when that code does)."""
    tree = ast.parse(source)
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
            names.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def distribution_closure(requirements: Iterable[str]) -> set[str]:
    """The distributions installing `requirements` brings, as this virtualenv (installed
    from the same lock) says they depend on each other."""
    todo = [Requirement(r) for r in requirements]
    seen: set[tuple[str, frozenset[str]]] = set()
    while todo:
        requirement = todo.pop()
        key = (canonicalize_name(requirement.name), frozenset(requirement.extras))
        if key in seen:
            continue
        seen.add(key)
        for spec in importlib.metadata.distribution(requirement.name).requires or []:
            needed = Requirement(spec)
            extras = requirement.extras or {""}
            if needed.marker is None or any(needed.marker.evaluate({"extra": extra}) for extra in extras):
                todo.append(needed)
    return {name for name, _ in seen}


@functools.cache
def module_providers() -> dict[str, set[str]]:
    """Each importable module of this virtualenv and the distributions whose files hold it.
    By module, not top-level name: `opentelemetry` alone is shared by a dozen of them."""
    providers: dict[str, set[str]] = {}
    for dist in importlib.metadata.distributions():
        for file in dist.files or []:
            parts = PurePosixPath(file.as_posix()).parts
            if not parts or parts[0] == ".." or parts[0].endswith((".dist-info", ".data")):
                continue
            if not file.name.endswith((".py", ".so")):
                continue
            stem = file.name.split(".")[0]
            module = [*parts[:-1]] if stem == "__init__" else [*parts[:-1], stem]
            for n in range(1, len(module) + 1):
                providers.setdefault(".".join(module[:n]), set()).add(canonicalize_name(dist.metadata["Name"]))
    return providers


def provided_by(name: str) -> set[str]:
    """The distributions that may hold module `name`: those holding its longest known prefix."""
    parts = name.split(".")
    for n in range(len(parts), 0, -1):
        found = module_providers().get(".".join(parts[:n]))
        if found:
            return found
    return set()


def runtime_requirements() -> set[str]:
    """The names requirements.in lists before its development tools."""
    text = (ROOT / "requirements.in").read_text().split("# Development")[0]
    names = set()
    for line in text.splitlines():
        line = line.split("#")[0].strip()
        if line:
            names.add(canonicalize_name(Requirement(line).name))
    return names


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
    assert in_compose == {**expected, **COMPOSE_ONLY_PROCESSES}
    assert in_k8s == expected


def test_each_process_runs_from_its_components_image() -> None:
    for name, service in compose_app_services().items():
        target = image_target_of(name)
        assert service["build"] == {"context": ".", "target": target}, name
        assert image_name_target(service["image"]) == target, name
    for name, workload in workloads().items():
        for container in all_containers(workload):
            assert image_name_target(container["image"]) == image_target_of(name), f"{name}/{container['name']}"
    # One version for the whole platform: a release moves every image together.
    tags = {service["image"].split(":")[1] for service in compose_app_services().values()}
    tags |= {c["image"].split(":")[1] for w in workloads().values() for c in all_containers(w)}
    assert len(tags) == 1, tags


@pytest.mark.parametrize("process", sorted({**expected_processes(), **COMPOSE_ONLY_PROCESSES}))
def test_each_command_names_code_that_its_image_holds(process: str) -> None:
    command = {**expected_processes(), **COMPOSE_ONLY_PROCESSES}[process]
    held = image(image_target_of(process))
    if command[:2] == ["python", "-m"]:
        module = command[2]
    elif command[0] == "nameko":
        module = command[-1]
        config = command[command.index("--config") + 1]
        assert config in held.files and held.files[config] == config
    else:
        module = command[1].split(":")[0]
    found = held.module_file(module)
    assert found is not None, f"{module} is on no folder of the {held.target} image's PYTHONPATH"
    if module == "plumbing.migrate":
        config = migrate.ALEMBIC_CONFIGS[command[-1]].relative_to(ROOT).as_posix()
        assert held.files.get(config) == config, f"the {held.target} image lacks the migrations it runs"


def entry_points_of(command: list[str]) -> tuple[set[str], set[str], set[str]]:
    """What a command starts: modules, files (alembic's scripts) and console scripts."""
    modules, files, scripts = set(), set(), set()
    if command[:2] == ["python", "-m"]:
        modules.add(command[2])
        if command[2] == "plumbing.migrate":
            folder = alembic_script_folder(migrate.ALEMBIC_CONFIGS[command[3]].relative_to(ROOT).as_posix())
            files |= {f for f in repository_files(folder) if f.endswith(".py")}
    elif command[0] in ("nameko", "uvicorn"):
        scripts.add(command[0])
        modules.add(command[-1] if command[0] == "nameko" else command[1].split(":")[0])
    elif command[:2] == ["sh", "-c"]:
        for match in MIGRATION_WAIT.finditer(command[2]):
            scripts.add("alembic")
            files |= {f for f in repository_files(alembic_script_folder(match.group(1))) if f.endswith(".py")}
    else:
        raise AssertionError(f"no rule here for what {command} runs")
    return modules, files, scripts


# The simulator replays VINs from the order database only when run from a checkout
# (`make bench`); in its image it takes them from --vins.
LAZY_IMPORTS_LEFT_OUT = {"plant-simulator": {"sqlalchemy", "order_service", "plumbing.db"}}


@pytest.mark.parametrize("target", sorted(image_targets()))
def test_each_image_installs_what_its_processes_import(target: str) -> None:
    """Follows the imports from each entry point through the image's own code: every
    module of ours must be in the image, every other one in the standard library or a
    package its virtualenv installs."""
    held = image(target)
    installed = distribution_closure(held.requirements)
    scripts_of = {ep.name: ep.dist.name for ep in importlib.metadata.entry_points(group="console_scripts") if ep.dist}
    own_top_level = {
        (PurePosixPath(path).relative_to(folder) if folder != "." else PurePosixPath(path)).parts[0].removesuffix(".py")
        for path in held.files
        for folder in held.python_path()
        if folder == "." or path.startswith(folder + "/")
    }
    todo_modules: set[str] = set()
    todo_files: set[str] = set()
    for process, (process_target, commands) in process_commands().items():
        if process_target != target:
            continue
        for command in commands:
            modules, files, scripts = entry_points_of(command)
            todo_modules |= modules
            todo_files |= files
            for script in scripts:
                assert canonicalize_name(scripts_of[script]) in installed, f"{process} runs {script}, not installed"
    left_out = LAZY_IMPORTS_LEFT_OUT.get(target, set())
    missing, uninstalled, seen = [], [], set()
    for file in todo_files:
        assert file in held.files.values(), f"{target} lacks {file}"
    paths = {repo: inside for inside, repo in held.files.items()}
    queue = [paths[f] for f in todo_files]
    for module in todo_modules:
        found = held.module_file(module)
        assert found, f"{module} is not in the {target} image"
        queue.append(found)
        parts = module.split(".")
        queue.extend(p for p in (held.module_file(".".join(parts[:n])) for n in range(1, len(parts))) if p)
    while queue:
        inside = queue.pop()
        if inside in seen:
            continue
        seen.add(inside)
        for name in imports_of((ROOT / held.files[inside]).read_text()):
            top = name.split(".")[0]
            prefixes = {".".join(name.split(".")[:n]) for n in range(1, name.count(".") + 2)}
            if top in sys.stdlib_module_names or prefixes & left_out:
                continue
            if top in own_top_level:
                found = held.module_file(name)
                if found:
                    queue.append(found)
                    parts = name.split(".")
                    queue.extend(p for p in (held.module_file(".".join(parts[:n])) for n in range(1, len(parts))) if p)
                elif held.module_file(name.rsplit(".", 1)[0]) is None:
                    missing.append(f"{inside}: {name}")
            elif not provided_by(name) & installed:
                uninstalled.append(f"{inside}: {name}")
    assert missing == [], f"the {target} image lacks modules its code imports"
    assert uninstalled == [], f"the {target} image does not install packages its code imports"


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
    for name, workload in workloads().items():
        user = image(image_target_of(name)).user.split(":")[0]
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
        assert image(component).files.get(expected) == expected, f"the {component} image lacks {expected}"
    for name, service in compose_app_services().items():
        if name in COMPOSE_ONLY_PROCESSES:
            continue
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


def compose_default(value: str | int) -> str:
    """A compose value as it reads when the shell sets nothing: `${NAME:-default}` gives default."""
    return re.sub(r"\$\{[A-Z0-9_]+:?-([^}]*)\}", r"\1", str(value))


def test_compose_sets_the_same_settings_as_kubernetes() -> None:
    configmap, secret = k8s_setting_sources()
    compose_settings = compose()["x-settings"]
    assert set(compose_settings) == set(configmap) | set(secret)
    shared = {key: value for key, value in {**configmap, **secret}.items() if key not in SECRET_SETTINGS}
    assert {key: compose_default(compose_settings[key]) for key in shared} == shared
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
            # Compose refuses to start a service whose required dependency is in a profile
            # that is not active.
            if not set(services[target].get("profiles", [])) <= set(service.get("profiles", [])):
                assert rule.get("required") is False, f"{name} cannot start without the {target} profile"
            if rule["condition"] == "service_healthy":
                assert "healthcheck" in services[target], f"{name} waits for {target} to be healthy; it has no check"
            if rule["condition"] == "service_completed_successfully":
                assert services[target].get("restart") == "no", f"{target} restarts, so it never completes"


def test_the_gateway_starts_after_every_grpc_server_is_healthy() -> None:
    depends_on = compose()["services"]["gateway"]["depends_on"]
    for service in settings_module.SERVICE_NAMES:
        assert depends_on[f"{service}-grpc"]["condition"] == "service_healthy"


def profile(name: str) -> dict[str, dict[str, Any]]:
    return {n: service for n, service in compose()["services"].items() if name in service.get("profiles", [])}


def mounted(service: dict[str, Any], target: str) -> str:
    """The repository file a compose service bind-mounts at target."""
    for volume in service.get("volumes", []):
        source, _, rest = volume.partition(":")
        if rest.split(":")[0] == target:
            assert source.startswith("./") and (ROOT / source).is_file(), f"{source} is not in the repository"
            return source[2:]
    raise AssertionError(f"nothing is mounted at {target}")


def test_postgres_creates_every_components_database_at_init(monkeypatch: pytest.MonkeyPatch) -> None:
    postgres = compose()["services"]["postgres"]
    script = mounted(postgres, "/docker-entrypoint-initdb.d/10-create-databases.sql")
    created = set(re.findall(r"^CREATE DATABASE (\w+);", (ROOT / script).read_text(), re.MULTILINE))
    for key, value in compose()["x-settings"].items():
        monkeypatch.setenv(key, compose_default(value))
    loaded = settings_module.load()
    wanted = {PurePosixPath(loaded.database_url(component)).name for component in migrate.ALEMBIC_CONFIGS}
    assert created == wanted


def test_the_observability_profile_carries_traces_and_metrics() -> None:
    observability = profile("observability")
    assert set(observability) == {"otel-collector", "jaeger", "prometheus"}
    assert not set(profile("observability")) & set(compose_app_services())
    collector = yaml.safe_load(
        (ROOT / mounted(observability["otel-collector"], "/etc/otelcol/config.yaml")).read_text()
    )
    prometheus = yaml.safe_load(
        (ROOT / mounted(observability["prometheus"], "/etc/prometheus/prometheus.yml")).read_text()
    )

    # The processes' exporter reaches the collector's OTLP receiver.
    endpoint = compose()["x-settings"]["OTEL_EXPORTER_OTLP_ENDPOINT"]
    host, port = endpoint.removeprefix("http://").split(":")
    assert host == "otel-collector" and compose_default(compose()["x-settings"]["DEALERNET_TRACE_EXPORTER"]) == "otlp"
    assert collector["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"].endswith(f":{port}")
    pipelines = collector["service"]["pipelines"]
    assert pipelines["traces"]["receivers"] == ["otlp"]

    # Spans go to Jaeger, and through the span metrics to an endpoint Prometheus scrapes.
    assert collector["exporters"]["otlp/jaeger"]["endpoint"].split(":")[0] == "jaeger"
    assert {"otlp/jaeger", "spanmetrics"} <= set(pipelines["traces"]["exporters"])
    metrics = [p for p in pipelines.values() if "spanmetrics" in p["receivers"]]
    assert metrics and all("prometheus" in p["exporters"] for p in metrics)
    metrics_port = collector["exporters"]["prometheus"]["endpoint"].rsplit(":", 1)[1]
    targets = {t for job in prometheus["scrape_configs"] for c in job["static_configs"] for t in c["targets"]}
    assert f"otel-collector:{metrics_port}" in targets

    # RabbitMQ's queue depths, with the plugin that serves them enabled.
    assert "rabbitmq:15692" in targets
    plugins = (ROOT / mounted(compose()["services"]["rabbitmq"], "/etc/rabbitmq/enabled_plugins")).read_text()
    assert {"rabbitmq_management", "rabbitmq_prometheus"} <= set(re.findall(r"\w+", plugins))

    # Every dealernet process starts after the collector when the profile is on.
    for name, service in compose_app_services().items():
        if name.endswith("-migrate") or name in COMPOSE_ONLY_PROCESSES:
            continue
        assert service["depends_on"]["otel-collector"] == {"condition": "service_started", "required": False}, name


def test_compose_runs_the_processes_as_locked_down_as_kubernetes_does() -> None:
    for name, service in compose_app_services().items():
        assert service["read_only"] is True and service["tmpfs"] == ["/tmp"], name
        assert service["cap_drop"] == ["ALL"] and "no-new-privileges:true" in service["security_opt"], name
        assert "user" not in service, f"{name} must run as its image's user"


def test_servers_and_infrastructure_have_health_checks() -> None:
    services = compose()["services"]
    for name in [
        "postgres",
        "rabbitmq",
        "prometheus",
        "gateway",
        *(f"{s}-grpc" for s in settings_module.SERVICE_NAMES),
    ]:
        assert "test" in services[name]["healthcheck"], name


# Image ----------------------------------------------------------------------------------


@pytest.mark.parametrize("target", sorted(image_targets()))
def test_each_image_holds_only_its_own_code(target: str) -> None:
    held = image(target)
    own = OWN_CODE[target]
    shared = ("plumbing",) if target in COMPOSE_ONLY_PROCESSES else SHARED_CODE
    allowed = (*shared, own)
    # Copied where the repository has it, so the PYTHONPATH and the alembic.ini paths
    # mean the same in the image as in a checkout.
    assert all(inside == repo for inside, repo in held.files.items())
    foreign = [f for f in held.files if not any(f == a or f.startswith(a + "/") for a in allowed)]
    if target in COMPOSE_ONLY_PROCESSES:
        foreign = [f for f in foreign if f != "scripts/__init__.py"]
    assert foreign == [], f"the {target} image holds code not its own"
    for folder in allowed:
        assert any(f == folder or f.startswith(folder + "/") for f in held.files), f"{target} lacks {folder}"
    for entry in held.python_path():
        assert (ROOT / entry).is_dir(), f"{entry} is on the {target} image's PYTHONPATH but not in the repository"
    if target in migrate.ALEMBIC_CONFIGS:
        folder = alembic_script_folder(f"{own}/alembic.ini")
        assert set(repository_files(folder)) <= set(held.files), f"{target} lacks its migrations"


@pytest.mark.parametrize("target", sorted(image_targets()))
def test_each_image_is_slim_pinned_and_runs_as_a_fixed_non_root_user(target: str) -> None:
    held = image(target)
    # The tag names the Python and Debian release, the digest the exact bytes.
    assert re.fullmatch(r"python:3\.11\.\d+-slim-[a-z]+@sha256:[0-9a-f]{64}", held.base), held.base
    uid, _, gid = held.user.partition(":")
    assert uid.isdigit() and int(uid) >= 10000 and gid.isdigit(), "a numeric uid runAsNonRoot can verify"
    assert held.env["PATH"].startswith("/opt/venv/bin:")
    # The virtualenv comes from a build stage: the image's own layers hold no pip run.
    stages = dockerfile_stages()
    chain = [target]
    while chain[-1] in stages:
        chain.append(stages[chain[-1]][0])
    assert not any(k == "RUN" and "pip" in r for stage in chain[:-1] for k, r in stages[stage][1])


@pytest.mark.parametrize("target", sorted(image_targets()))
def test_each_image_installs_only_runtime_packages_at_the_locked_versions(target: str) -> None:
    held = image(target)
    assert held.constraints == "requirements.lock" and in_build_context("requirements.lock")
    names = {canonicalize_name(Requirement(r).name) for r in held.requirements}
    assert names and names <= runtime_requirements(), f"{target} installs {names - runtime_requirements()}"
    locked = {
        canonicalize_name(line.split("==")[0])
        for line in (ROOT / "requirements.lock").read_text().splitlines()
        if "==" in line and not line.startswith(" ")
    }
    assert distribution_closure(held.requirements) <= locked | {"pip"}


def test_only_the_gateway_image_serves_http_and_only_service_images_run_nameko() -> None:
    gateway = distribution_closure(image("gateway").requirements)
    for service in settings_module.SERVICE_NAMES:
        installed = distribution_closure(image(service).requirements)
        assert "nameko" in installed and not {"fastapi", "uvicorn"} & installed
    assert {"fastapi", "uvicorn"} <= gateway and "nameko" not in gateway


@pytest.mark.parametrize(
    "path",
    [
        ".venv/bin/python",
        ".git/HEAD",
        "tests/conftest.py",
        "k8s/kustomization.yaml",
        "deploy/prometheus/prometheus.yml",
        "docs/operations.md",
        "bench/hops.py",
        "scripts/seed_demo.py",
        "proto/dealernet/v1/order.proto",
        "var/traces.jsonl",
        "plumbing/__pycache__/relay.cpython-311.pyc",
        "services/order/order_service/__pycache__/x.pyc",
    ],
)
def test_the_build_context_leaves_out_what_the_processes_do_not_run(path: str) -> None:
    assert not in_build_context(path)
