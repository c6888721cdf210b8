"""The deployment files under deploy/: docker does not run here, so they are checked with schema tools and cross-checks.

- deploy/docker-compose.yml: the compose-spec package (Python bindings of the Rust `compose_spec` parser), which
  refuses unknown keys and wrong types; plus what a schema cannot see (references, replicas, private networks).
- deploy/k8s/: kubernetes-validate, which bundles the Kubernetes OpenAPI schemas and validates offline (strict:
  unknown fields are refused), against the oldest and the newest Kubernetes version these manifests aim at.
- Dockerfiles: dockerfile-parse; every COPY source exists and is not left out by .dockerignore, the lock files are the
  ones setup.sh installs, the commands the containers run exist.
- Across them: every ${VAR} of deploy/endpoints.prod.yml reaches Rasa in compose and in Kubernetes, and no secret
  value is written in clear in a committed file.
Each check also runs on a broken copy, to show that it can fail.
"""

from __future__ import annotations

import copy
import fnmatch
import io
import json
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from compose_spec import PyCompose
from dockerfile_parse import DockerfileParser

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "docker-compose.yml"
K8S = DEPLOY / "k8s"
ENDPOINTS = DEPLOY / "endpoints.prod.yml"
ENV_EXAMPLE = DEPLOY / ".env.example"
DOCKERFILES = sorted((DEPLOY / "docker").glob("*.Dockerfile"))
RASA_ENTRYPOINT = DEPLOY / "docker" / "rasa-entrypoint.sh"

# The oldest Kubernetes version still commonly run, and the newest kubernetes-validate knows.
K8S_VERSIONS = ("1.28.0", kubernetes_validate.latest_version())
SECRET_NAMES = frozenset(
    {"TRACKER_DB_PASSWORD", "REDIS_PASSWORD", "DATABASE_URL", "TRIALBOT_TRACKER_URL", "TRIALBOT_SESSION_SECRET"}
)
PLACEHOLDER = "change-me"
# Words that stand for a password in examples and help texts (deploy/prod/serve.py says "user:pw@host").
EXAMPLE_PASSWORDS = frozenset({PLACEHOLDER, "pw", "password", "pass", "secret"})
# user:password@ in a URL; the password part is what must never be written in clear.
CREDENTIALS_IN_URL = re.compile(r"[a-z][a-z0-9+.-]*://[^\s:/@'\"]+:([^\s@'\"]+)@", re.I)


# ---------------------------------------------------------------- loading


def compose() -> dict[str, Any]:
    """The compose file as plain data (PyYAML resolves the anchors)."""
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def manifests() -> list[tuple[str, dict[str, Any]]]:
    """Every Kubernetes object under deploy/k8s, with its file name (kustomization.yaml is not an object)."""
    docs = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        docs += [(path.name, doc) for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]
    return docs


def applied_manifests() -> list[dict[str, Any]]:
    """The objects kustomization.yaml applies."""
    listed = set(yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))["resources"])
    return [doc for name, doc in manifests() if name in listed]


def find(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    matches = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind} {name}, found {len(matches)}"
    return matches[0]


def pod_spec(doc: dict[str, Any]) -> dict[str, Any]:
    """The pod template's spec of a Deployment, Job or CronJob."""
    spec = doc["spec"]
    if doc["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec["template"]["spec"]


def env_file(path: Path) -> dict[str, str]:
    """KEY=value lines of an env file."""
    pairs = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip()
    return pairs


def endpoint_variables() -> set[str]:
    """The ${VAR} names deploy/endpoints.prod.yml reads (Rasa substitutes them from the environment)."""
    if not ENDPOINTS.exists():
        pytest.skip("deploy/endpoints.prod.yml is not written yet (another change adds it)")
    return set(re.findall(r"\$\{(\w+)\}", json.dumps(yaml.safe_load(ENDPOINTS.read_text(encoding="utf-8")))))


# ---------------------------------------------------------------- compose


def compose_reference_problems(data: dict[str, Any]) -> list[str]:
    """Names a service uses that the file does not define, and files it mounts or builds that do not exist."""
    problems = []
    services = data["services"]
    networks = set(data.get("networks") or {})
    volumes = set(data.get("volumes") or {})
    for name, service in services.items():
        for network in service.get("networks") or []:
            if network not in networks:
                problems.append(f"{name}: network {network} is not defined")
        for other in service.get("depends_on") or {}:
            if other not in services:
                problems.append(f"{name}: depends on undefined service {other}")
        for mount in service.get("volumes") or []:
            source = mount.split(":", 1)[0]
            if source.startswith("."):
                if not (DEPLOY / source).exists():
                    problems.append(f"{name}: mounts missing {source}")
            elif source not in volumes:
                problems.append(f"{name}: volume {source} is not defined")
        build = service.get("build")
        if build:
            context = (DEPLOY / build["context"]).resolve()
            if not (context / build["dockerfile"]).is_file():
                problems.append(f"{name}: no Dockerfile {build['dockerfile']} in {context}")
    return problems


def compose_privacy_problems(data: dict[str, Any]) -> list[str]:
    """The action server, PostgreSQL and Redis must be on internal networks only, with no published port."""
    problems = []
    networks = data.get("networks") or {}
    for name in ("actions", "postgres", "redis"):
        service = data["services"][name]
        if service.get("ports"):
            problems.append(f"{name} publishes a port")
        for network in service.get("networks") or []:
            if not (networks.get(network) or {}).get("internal"):
                problems.append(f"{name} is on the non-internal network {network}")
    for name, service in data["services"].items():
        if "actions" in (service.get("networks") or []) and name not in ("rasa", "actions"):
            problems.append(f"{name} can reach the action server")
    return problems


def compose_secret_problems(data: dict[str, Any]) -> list[str]:
    """Secret variables must come from deploy/.env by ${VAR} reference, never as a value written in the file."""
    problems = []
    for name, service in data["services"].items():
        environment = service.get("environment") or {}
        if isinstance(environment, list):
            environment = dict(item.partition("=")[::2] for item in environment)
        for key, value in environment.items():
            text = str(value)
            if key in SECRET_NAMES and not re.fullmatch(r"\$\{" + key + r"(:?[?-][^}]*)?\}", text):
                problems.append(f"{name}: {key} is written in clear")
            elif "${" not in text and CREDENTIALS_IN_URL.search(text):
                problems.append(f"{name}: {key} holds a URL with a password")
        for entry in service.get("env_file") or []:
            path = entry if isinstance(entry, str) else entry["path"]
            if Path(path).name != ".env":
                problems.append(f"{name}: env file {path} is not the git-ignored deploy/.env")
    return problems


def test_compose_file_follows_the_compose_spec() -> None:
    parsed = PyCompose.from_yaml(COMPOSE.read_text(encoding="utf-8"))
    assert {"postgres", "redis", "rasa", "actions", "lb", "web", "catalogue-load", "retention-purge"} <= set(
        parsed.service_names()
    )


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("    image: trialbot-rasa:local", "    imag: trialbot-rasa:local"),  # unknown key
        ("      replicas: 2", "      replicas: two"),  # wrong type
        ("condition: service_healthy", "condition: healthy"),  # not a known condition
        ("      interval: 5s", "      interval: often"),  # not a duration
    ],
)
def test_compose_spec_refuses_a_broken_file(old: str, new: str) -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    assert old in text
    with pytest.raises(ValueError):
        PyCompose.from_yaml(text.replace(old, new, 1))


def test_compose_references_exist() -> None:
    assert compose_reference_problems(compose()) == []
    broken = compose()
    broken["services"]["rasa"]["networks"].append("nowhere")
    broken["services"]["lb"]["volumes"] = ["./lb/missing.conf:/etc/nginx/nginx.conf:ro"]
    assert len(compose_reference_problems(broken)) == 2


def test_compose_replicates_rasa_and_the_action_server() -> None:
    services = compose()["services"]
    for name in ("rasa", "actions"):
        assert services[name]["deploy"]["replicas"] >= 2, name
        assert "container_name" not in services[name], f"{name}: a fixed container name prevents replicas"
        assert not services[name].get("ports"), f"{name}: replicas cannot share a published port"
    assert services["rasa"]["environment"]["SANIC_WORKERS"] == "1"
    published = [name for name, service in services.items() if service.get("ports")]
    assert published == ["lb"]


def test_compose_keeps_the_action_server_private() -> None:
    assert compose_privacy_problems(compose()) == []
    broken = compose()
    broken["services"]["actions"]["ports"] = ["5055:5055"]
    broken["services"]["web"]["networks"].append("actions")
    assert len(compose_privacy_problems(broken)) == 2


def test_compose_runs_the_catalogue_load_and_the_purge() -> None:
    services = compose()["services"]
    assert services["catalogue-load"]["command"] == ["trialbot", "trials", "load"]
    assert services["catalogue-load"]["restart"] == "no"
    assert services["actions"]["depends_on"]["catalogue-load"]["condition"] == "service_completed_successfully"
    assert "trialbot conversations purge" in " ".join(services["retention-purge"]["command"])
    for name in ("catalogue-load", "retention-purge"):
        assert services[name]["build"]["dockerfile"] == "deploy/docker/actions.Dockerfile"


def test_trialbot_commands_the_jobs_run_exist() -> None:
    from bot.cli import parser

    for argv in (["trials", "load"], ["conversations", "purge", "--compact"]):
        assert callable(parser().parse_args(argv).func)


def test_load_balancer_is_sticky_for_socketio() -> None:
    conf = (DEPLOY / "lb" / "nginx.conf").read_text(encoding="utf-8")
    upstream = re.search(r"upstream rasa \{(.*?)\}", conf, re.S)
    assert upstream and "ip_hash;" in upstream.group(1)
    socketio = re.search(r"location /socket\.io/ \{(.*?)\}", conf, re.S)
    assert socketio and "proxy_pass http://rasa;" in socketio.group(1)
    assert "proxy_set_header Upgrade $http_upgrade;" in socketio.group(1)
    webhooks = re.search(r"location /webhooks/ \{(.*?)\}", conf, re.S)
    assert webhooks and "proxy_pass" not in webhooks.group(1), "the REST channel must not be public"
    assert "5055" not in conf and "actions" not in conf


# ---------------------------------------------------------------- Kubernetes


@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize(
    ("name", "doc"),
    [pytest.param(name, doc, id=f"{name}:{doc['kind']}/{doc['metadata']['name']}") for name, doc in manifests()],
)
def test_manifest_follows_the_kubernetes_schema(name: str, doc: dict[str, Any], version: str) -> None:
    kubernetes_validate.validate(doc, version, strict=True)


@pytest.mark.parametrize(
    "breakage",
    ["unknown field", "wrong type", "missing container name", "bad probe"],
)
def test_kubernetes_schema_refuses_a_broken_manifest(breakage: str) -> None:
    doc = copy.deepcopy(find(applied_manifests(), "Deployment", "rasa"))
    container = doc["spec"]["template"]["spec"]["containers"][0]
    if breakage == "unknown field":
        doc["spec"]["replica"] = 2
    elif breakage == "wrong type":
        doc["spec"]["replicas"] = "two"
    elif breakage == "missing container name":
        del container["name"]
    else:
        container["readinessProbe"]["httpGet"]["path"] = 5
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(doc, K8S_VERSIONS[0], strict=True)


def test_kustomization_applies_every_manifest_but_the_secret_example() -> None:
    listed = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))["resources"]
    on_disk = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml", "secret.example.yaml"}
    assert sorted(listed) == sorted(on_disk)
    assert not [d for d in applied_manifests() if d["kind"] == "Secret"], "a Secret with values is never applied"


def workload_problems(docs: list[dict[str, Any]]) -> list[str]:
    """Replicas, probes, resources and a non-root, locked-down container for each workload."""
    problems = []
    for doc in docs:
        if doc["kind"] not in ("Deployment", "Job", "CronJob"):
            continue
        name = doc["metadata"]["name"]
        if doc["kind"] == "Deployment" and name in ("rasa", "actions") and doc["spec"].get("replicas", 1) < 2:
            problems.append(f"{name}: fewer than two replicas")
        spec = pod_spec(doc)
        if not spec.get("securityContext", {}).get("runAsNonRoot"):
            problems.append(f"{name}: may run as root")
        for container in spec["containers"]:
            resources = container.get("resources", {})
            if not (resources.get("requests") and resources.get("limits")):
                problems.append(f"{name}: no resource requests and limits")
            if container.get("securityContext", {}).get("allowPrivilegeEscalation") is not False:
                problems.append(f"{name}: privilege escalation allowed")
            if doc["kind"] == "Deployment":
                for probe in ("readinessProbe", "livenessProbe"):
                    if probe not in container:
                        problems.append(f"{name}: no {probe}")
    return problems


def test_workloads_have_replicas_probes_and_limits() -> None:
    docs = applied_manifests()
    assert workload_problems(docs) == []
    broken = copy.deepcopy(docs)
    rasa = find(broken, "Deployment", "rasa")
    rasa["spec"]["replicas"] = 1
    del rasa["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]
    assert len(workload_problems(broken)) == 2


def test_rasa_runs_one_sanic_worker_with_the_images_entrypoint() -> None:
    container = find(applied_manifests(), "Deployment", "rasa")["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["SANIC_WORKERS"] == "1"
    assert "command" not in container and "args" not in container, "the entrypoint is checked below, keep it"


def policy_sources(docs: list[dict[str, Any]], labels: dict[str, str], port: int) -> list[dict[str, Any]]:
    """The `from` peers of every NetworkPolicy rule that lets traffic reach pods with these labels on this port."""
    sources = []
    for doc in docs:
        if doc["kind"] != "NetworkPolicy":
            continue
        selector = doc["spec"]["podSelector"]
        wanted = selector.get("matchLabels", {})
        if not all(labels.get(k) == v for k, v in wanted.items()):
            continue
        if any(labels.get(e["key"]) not in e["values"] for e in selector.get("matchExpressions", [])):
            continue
        for rule in doc["spec"].get("ingress", []):
            ports = {p["port"] for p in rule.get("ports", [])}
            if not ports or port in ports:
                sources += rule.get("from") or [{"anywhere": True}]
    return sources


def test_network_policy_admits_only_rasa_to_the_action_server() -> None:
    docs = applied_manifests()
    deny = [d for d in docs if d["kind"] == "NetworkPolicy" and d["spec"]["podSelector"] == {}]
    assert deny and deny[0]["spec"]["policyTypes"] == ["Ingress"] and not deny[0]["spec"].get("ingress")
    actions = find(docs, "Deployment", "actions")["spec"]["template"]["metadata"]["labels"]
    rasa = find(docs, "Deployment", "rasa")["spec"]["template"]["metadata"]["labels"]
    sources = policy_sources(docs, actions, 5055)
    assert sources == [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": rasa["app.kubernetes.io/name"]}}}]
    assert find(docs, "Service", "actions")["spec"]["type"] == "ClusterIP"
    broken = copy.deepcopy(docs)
    broken.append({"kind": "NetworkPolicy", "spec": {"podSelector": {}, "ingress": [{"from": [{"ipBlock": {
        "cidr": "0.0.0.0/0"}}]}]}})
    assert len(policy_sources(broken, actions, 5055)) == 2


def test_ingress_pins_socketio_with_a_cookie_and_hides_the_rest() -> None:
    ingress = find(applied_manifests(), "Ingress", "trialbot")
    annotations = ingress["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    assert annotations["nginx.ingress.kubernetes.io/session-cookie-secure"] == "true"
    paths = {p["path"]: p["backend"]["service"]["name"] for r in ingress["spec"]["rules"] for p in r["http"]["paths"]}
    assert paths == {"/socket.io/": "rasa", "/": "web"}
    assert ingress["spec"]["tls"]


def test_jobs_load_the_catalogue_and_purge_on_a_schedule() -> None:
    docs = applied_manifests()
    load = pod_spec(find(docs, "Job", "catalogue-load"))["containers"][0]
    assert load["command"] == ["trialbot", "trials", "load"]
    cron = find(docs, "CronJob", "retention-purge")
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    assert len(cron["spec"]["schedule"].split()) == 5
    purge = pod_spec(cron)["containers"][0]
    assert purge["command"] == ["trialbot", "conversations", "purge", "--compact"]
    assert {e["name"] for e in purge["env"]} == {"TRIALBOT_RETENTION", "TRIALBOT_TRACKER_URL"}


def k8s_secret_problems(docs: list[dict[str, Any]]) -> list[str]:
    """Secret variables only through secretKeyRef; a ConfigMap holds nothing secret."""
    problems = []
    for doc in docs:
        if doc["kind"] == "ConfigMap":
            for key, value in doc["data"].items():
                if key in SECRET_NAMES or re.search("PASSWORD|SECRET|TOKEN", key) or CREDENTIALS_IN_URL.search(value):
                    problems.append(f"ConfigMap {doc['metadata']['name']}: {key} is secret")
        if doc["kind"] in ("Deployment", "Job", "CronJob"):
            for container in pod_spec(doc)["containers"]:
                for entry in container.get("env", []):
                    secret = entry["name"] in SECRET_NAMES or CREDENTIALS_IN_URL.search(str(entry.get("value", "")))
                    if secret and "secretKeyRef" not in entry.get("valueFrom", {}):
                        problems.append(f"{doc['metadata']['name']}: {entry['name']} not from a Secret")
    return problems


def test_secrets_come_from_a_secret_only() -> None:
    docs = applied_manifests()
    assert k8s_secret_problems(docs) == []
    broken = copy.deepcopy(docs)
    find(broken, "ConfigMap", "trialbot-config")["data"]["REDIS_PASSWORD"] = "hunter2"
    find(broken, "Deployment", "actions")["spec"]["template"]["spec"]["containers"][0]["env"].append(
        {"name": "DATABASE_URL", "value": "postgresql://u:hunter2@db/x"})
    assert len(k8s_secret_problems(broken)) == 2
    example = find([d for _, d in manifests()], "Secret", "trialbot-secrets")
    referenced = {
        e["valueFrom"]["secretKeyRef"]["key"]
        for d in docs if d["kind"] in ("Deployment", "Job", "CronJob")
        for c in pod_spec(d)["containers"] for e in c.get("env", []) if "secretKeyRef" in e.get("valueFrom", {})
    }
    assert referenced == set(example["stringData"]) == SECRET_NAMES


# ---------------------------------------------------------------- Dockerfiles


def dockerfile(path: Path) -> DockerfileParser:
    return DockerfileParser(fileobj=io.BytesIO(path.read_bytes()))


def instructions(path: Path, kind: str) -> list[str]:
    return [item["value"] for item in dockerfile(path).structure if item["instruction"] == kind]


def copy_sources(value: str) -> list[str]:
    """The repository paths a COPY takes (none when it copies from another stage)."""
    words = json.loads(value) if value.startswith("[") else shlex.split(value)
    if any(word.startswith("--from=") for word in words):
        return []
    paths = [word for word in words if not word.startswith("--")]
    return paths[:-1]


def dockerignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return [line.strip().rstrip("/") for line in lines if line.strip() and not line.startswith("#")]


def ignored(path: str, patterns: list[str]) -> bool:
    """Whether .dockerignore leaves this path (or a folder above it) out of the build context."""
    parts = Path(path.rstrip("/")).parts
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in patterns:
        bare = pattern.removeprefix("**/")
        for prefix in prefixes:
            if fnmatch.fnmatch(prefix, pattern) or fnmatch.fnmatch(Path(prefix).name, bare):
                return True
    return False


def copy_problems(path: Path, patterns: list[str]) -> list[str]:
    problems = []
    for value in instructions(path, "COPY"):
        for source in copy_sources(value):
            if not list(ROOT.glob(source.rstrip("/"))):
                problems.append(f"{path.name}: COPY {source}: not in the repository")
            elif ignored(source, patterns):
                problems.append(f"{path.name}: COPY {source}: left out by .dockerignore")
    return problems


def test_there_are_three_dockerfiles() -> None:
    assert [p.name for p in DOCKERFILES] == ["actions.Dockerfile", "rasa.Dockerfile", "web.Dockerfile"]


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda p: p.name)
def test_dockerfile_copies_only_what_exists(path: Path) -> None:
    assert copy_problems(path, dockerignore_patterns()) == []


def test_copy_check_can_fail() -> None:
    patterns = [*dockerignore_patterns(), "channels"]
    problems = copy_problems(DEPLOY / "docker" / "rasa.Dockerfile", patterns)
    assert problems == ["rasa.Dockerfile: COPY channels/: left out by .dockerignore"]
    assert ignored("deploy/.env", patterns) and ignored(".venv/actions/bin/python", patterns)
    assert not ignored("deploy/endpoints.prod.yml", patterns)


@pytest.mark.parametrize(
    ("name", "lock", "package"),
    [("rasa.Dockerfile", "rasa.lock", "rasa==3.6.21"), ("actions.Dockerfile", "actions.lock", "rasa-sdk==3.6.2")],
)
def test_python_images_install_the_lock_file_on_python_310(name: str, lock: str, package: str) -> None:
    path = DEPLOY / "docker" / name
    assert package in (ROOT / "requirements" / lock).read_text(encoding="utf-8").splitlines()
    assert f"requirements/{lock} /tmp/{lock}" in instructions(path, "COPY")
    assert any(f"pip install -r /tmp/{lock}" in run for run in instructions(path, "RUN"))
    parsed = dockerfile(path)
    assert all(re.fullmatch(r"python:3\.10\.\d+-slim-bookworm", image) for image in parsed.parent_images
               if ":" in image)


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda p: p.name)
def test_images_are_pinned_and_run_as_a_user(path: Path) -> None:
    parsed = dockerfile(path)
    for image in parsed.parent_images:
        assert ":" in image or image in {"deps", "train", "widget"}, f"{image}: no tag"
        assert not image.endswith(":latest")
    final_stage = parsed.content.rsplit("\nFROM ", 1)[1]
    assert re.search(r"^USER 10001$", final_stage, re.M), "the final image must not run as root"
    assert instructions(path, "HEALTHCHECK")


def rasa_start_problems(script: str) -> list[str]:
    problems = []
    code = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("#"))
    command = code[code.index("exec rasa run"):]
    if "--enable-api" in code:
        problems.append("the HTTP API is enabled")
    if "--endpoints deploy/endpoints.prod.yml" not in command:
        problems.append("not started with deploy/endpoints.prod.yml")
    if "SANIC_WORKERS=1" not in code:
        problems.append("more than one Sanic worker possible")
    return problems


def test_rasa_starts_without_its_api_and_with_the_prod_endpoints() -> None:
    script = RASA_ENTRYPOINT.read_text(encoding="utf-8")
    assert rasa_start_problems(script) == []
    assert len(rasa_start_problems(script.replace("--port 5005", "--enable-api --port 5005"))) == 1
    assert RASA_ENTRYPOINT.stat().st_mode & 0o111, "the entrypoint must be executable"
    rasa = DEPLOY / "docker" / "rasa.Dockerfile"
    assert instructions(rasa, "ENTRYPOINT") == ['["/usr/local/bin/rasa-entrypoint"]']
    assert "deploy/docker/rasa-entrypoint.sh /usr/local/bin/rasa-entrypoint" in instructions(rasa, "COPY")
    service = compose()["services"]["rasa"]
    assert "command" not in service and "entrypoint" not in service
    assert "--enable-api" not in COMPOSE.read_text(encoding="utf-8")


def run_entrypoint(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The Rasa entrypoint with a stand-in `rasa` on PATH that prints the arguments it was given."""
    fake = tmp_path / "rasa"
    fake.write_text(f"#!{sys.executable}\nimport json, os, sys\n"
                    "print(json.dumps([sys.argv[1:], os.environ.get('SANIC_WORKERS')]))\n", encoding="utf-8")
    fake.chmod(0o755)
    return subprocess.run(["sh", str(RASA_ENTRYPOINT)], env={"PATH": f"{tmp_path}:/usr/bin:/bin", **env},
                          capture_output=True, text=True, timeout=30, check=False)


def test_rasa_entrypoint_starts_rasa_as_meant(tmp_path: Path) -> None:
    started = run_entrypoint(tmp_path, {"TRIALBOT_SESSION_SECRET": "x", "SANIC_WORKERS": "4",
                                        "TRIALBOT_ALLOWED_ORIGINS": "https://a.example https://b.example"})
    assert started.returncode == 0, started.stderr
    argv, workers = json.loads(started.stdout)
    assert argv[:2] == ["run", "--interface"] and "--enable-api" not in argv
    assert argv[argv.index("--endpoints") + 1] == "deploy/endpoints.prod.yml"
    assert argv[argv.index("--cors") + 1:] == ["https://a.example", "https://b.example"]
    assert workers == "1"
    refused = run_entrypoint(tmp_path, {"TRIALBOT_ALLOWED_ORIGINS": "https://a.example"})
    assert refused.returncode != 0 and "TRIALBOT_SESSION_SECRET" in refused.stderr and not refused.stdout


def test_action_server_binds_through_sanic_host() -> None:
    actions = DEPLOY / "docker" / "actions.Dockerfile"
    assert instructions(actions, "CMD") == ['["python", "-m", "rasa_sdk", "--actions", "actions", "--port", "5055"]']
    assert "SANIC_HOST=0.0.0.0" in " ".join(instructions(actions, "ENV"))


def test_endpoints_file_is_in_the_rasa_image() -> None:
    endpoint_variables()
    assert "deploy/endpoints.prod.yml deploy/endpoints.prod.yml" in instructions(
        DEPLOY / "docker" / "rasa.Dockerfile", "COPY")


# ---------------------------------------------------------------- across the files


def missing_for_rasa(variables: set[str], data: dict[str, Any], docs: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Endpoint variables that compose or Kubernetes does not give to the Rasa container."""
    in_compose = set(data["services"]["rasa"].get("environment") or {})
    container = find(docs, "Deployment", "rasa")["spec"]["template"]["spec"]["containers"][0]
    in_k8s = {e["name"] for e in container.get("env", [])}
    for source in container.get("envFrom", []):
        in_k8s |= set(find(docs, "ConfigMap", source["configMapRef"]["name"])["data"])
    return {"compose": variables - in_compose, "k8s": variables - in_k8s}


def test_every_endpoint_variable_reaches_rasa() -> None:
    variables = endpoint_variables()
    assert variables, "deploy/endpoints.prod.yml reads no variable"
    assert missing_for_rasa(variables, compose(), applied_manifests()) == {"compose": set(), "k8s": set()}
    assert variables <= set(env_file(ENV_EXAMPLE))
    broken = compose()
    del broken["services"]["rasa"]["environment"][sorted(variables)[0]]
    assert missing_for_rasa(variables, broken, applied_manifests())["compose"] == {sorted(variables)[0]}


def test_env_example_names_every_variable_with_placeholders_for_secrets() -> None:
    example = env_file(ENV_EXAMPLE)
    assert {
        "ACTION_SERVER_URL", "TRACKER_DB_HOST", "TRACKER_DB_PORT", "TRACKER_DB_NAME", "TRACKER_DB_USER",
        "REDIS_HOST", "REDIS_PORT", "TRIALBOT_ALLOWED_ORIGINS", "TRIALBOT_RETENTION", *SECRET_NAMES,
    } <= set(example)
    for name in SECRET_NAMES:
        assert PLACEHOLDER in example[name], f"{name} must be a placeholder in .env.example"
    assert example["TRACKER_DB_NAME"] in example["TRIALBOT_TRACKER_URL"]
    catalogue = (DEPLOY / "docker" / "postgres-init" / "10-catalogue.sql").read_text(encoding="utf-8")
    assert f"CREATE DATABASE {example['DATABASE_URL'].rsplit('/', 1)[1]};" in catalogue


def test_compose_takes_secrets_from_the_ignored_env_file() -> None:
    assert compose_secret_problems(compose()) == []
    broken = compose()
    broken["services"]["rasa"]["environment"]["TRACKER_DB_PASSWORD"] = "s3cret"
    broken["services"]["actions"]["environment"]["EXTRA_URL"] = "postgresql://u:s3cret@db/x"
    broken["services"]["web"]["env_file"] = ["prod.env"]
    assert len(compose_secret_problems(broken)) == 3
    assert ".env" in (DEPLOY / ".gitignore").read_text(encoding="utf-8").split()


def committed_deploy_files() -> Iterator[Path]:
    """Files under deploy/ and .dockerignore, but the git-ignored env file."""
    yield ROOT / ".dockerignore"
    for path in sorted(DEPLOY.rglob("*")):
        if path.is_file() and path.name != ".env" and "__pycache__" not in path.parts:
            yield path


def clear_secrets(text: str) -> list[str]:
    """Passwords in URLs and secret assignments whose value is neither a placeholder nor a reference."""
    found = [m.group(1) for m in CREDENTIALS_IN_URL.finditer(text)
             if not m.group(1).startswith("${") and m.group(1).lower() not in EXAMPLE_PASSWORDS]
    for name in SECRET_NAMES:
        for m in re.finditer(rf"(?<!\$\{{)\b{name}\b\s*[:=]\s*['\"]?([^\s'\"#]+)", text):
            value = m.group(1)
            if not (value.startswith(("${", "$$")) or PLACEHOLDER in value or value in {"|", ">"}):
                found.append(f"{name}={value}")
    return found


def test_no_secret_value_in_a_committed_file() -> None:
    for path in committed_deploy_files():
        assert clear_secrets(path.read_text(encoding="utf-8")) == [], path.relative_to(ROOT)
    assert clear_secrets("TRIALBOT_SESSION_SECRET=9f8a7b6c") == ["TRIALBOT_SESSION_SECRET=9f8a7b6c"]
    assert clear_secrets("url: postgresql://trialbot:hunter2@db:5432/x") == ["hunter2"]
    assert clear_secrets("REDIS_PASSWORD: ${REDIS_PASSWORD:?set it}") == []
