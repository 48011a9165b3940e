"""deploy/kubernetes/: rendered by the real kustomize, valid against the Kubernetes schemas, and
in step with the code's settings.

Every directory with a kustomization.yaml under deploy/kubernetes/ (the base and each overlay) is
rendered with `kubectl kustomize`, exactly as `kubectl apply -k` would send it; without kubectl
these tests are skipped, saying so.
"""

from __future__ import annotations

import inspect
import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from bot.config import Settings
from bot.flow.services import Services
from bot.metrics import METRICS_PATH
from bot.policy import load_policy
from bot.web import HEALTH_PATH, READY_PATH

ROOT = Path(__file__).resolve().parent.parent
KUBERNETES = ROOT / "deploy" / "kubernetes"
BASE = KUBERNETES / "base"
POSTGRES = KUBERNETES / "overlays" / "postgres"
KUSTOMIZATIONS = sorted(p.parent for p in KUBERNETES.rglob("kustomization.yaml"))
COMPOSE = ROOT / "deploy" / "compose" / "docker-compose.yml"
KUBECTL = shutil.which("kubectl")
# The oldest Kubernetes the manifests support (preStop `sleep` is on by default from 1.30),
# and the newest whose schemas the package bundles.
VERSIONS = ["1.30.0", kubernetes_validate.latest_version()]
SETTINGS = {name.upper() for name in Settings.model_fields}

Doc = dict[str, Any]

pytestmark = pytest.mark.skipif(
    KUBECTL is None, reason="kubectl is not installed: the manifests cannot be rendered"
)


def build(directory: Path) -> list[Doc]:
    """The documents `kubectl kustomize directory` prints (it fails the test if it cannot)."""
    assert KUBECTL is not None
    done = subprocess.run(  # noqa: S603 - a fixed program on our own files
        [KUBECTL, "kustomize", str(directory)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, f"kubectl kustomize {directory} failed:\n{done.stderr}"
    return [d for d in yaml.safe_load_all(done.stdout) if d]


def find(docs: list[Doc], kind: str, name: str) -> Doc:
    found = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"{len(found)} {kind} named {name}"
    return found[0]


def bot_container(docs: list[Doc]) -> Doc:
    pod = find(docs, "Deployment", "vpsbot")["spec"]["template"]["spec"]
    return next(c for c in pod["containers"] if c["name"] == "vpsbot")


def env_of(container: Doc) -> dict[str, Doc]:
    return {e["name"]: e for e in container["env"]}


def label(directory: Path) -> str:
    return directory.relative_to(KUBERNETES).as_posix()


@pytest.fixture(scope="module", params=KUSTOMIZATIONS, ids=label)
def docs(request: pytest.FixtureRequest) -> list[Doc]:
    return build(request.param)


def test_the_base_and_every_overlay_are_found() -> None:
    assert {BASE, POSTGRES} <= set(KUSTOMIZATIONS)


@pytest.mark.parametrize("version", VERSIONS)
def test_every_manifest_is_valid_for_kubernetes(docs: list[Doc], version: str) -> None:
    for doc in docs:
        kubernetes_validate.validate(doc, version, strict=True)


def test_the_deployment_runs_three_locked_down_replicas(docs: list[Doc]) -> None:
    deployment = find(docs, "Deployment", "vpsbot")
    pod = deployment["spec"]["template"]["spec"]
    container = bot_container(docs)
    assert deployment["spec"]["replicas"] == 3
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] != 0
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    tmp = "/tmp"  # noqa: S108 - the container's own /tmp, not ours
    assert "emptyDir" in volumes[mounts[tmp]], "the read-only container needs /tmp writable"
    for kind in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(container["resources"][kind]), kind


def test_probes_and_ports_are_the_codes(docs: list[Doc]) -> None:
    container = bot_container(docs)
    env = env_of(container)
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports["http"] == int(env["PORT"]["value"]) == Settings.model_fields["port"].default
    metrics_default = Settings.model_fields["bot_metrics_port"].default
    assert ports["metrics"] == int(env["BOT_METRICS_PORT"]["value"]) == metrics_default
    for probe, path in (("livenessProbe", HEALTH_PATH), ("readinessProbe", READY_PATH)):
        assert container[probe]["httpGet"]["path"] == path
        assert container[probe]["httpGet"]["port"] in ports
    annotations = find(docs, "Deployment", "vpsbot")["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == str(ports["metrics"])
    assert annotations["prometheus.io/path"] == METRICS_PATH


def test_every_variable_is_a_setting_and_the_secrets_come_from_a_secret(docs: list[Doc]) -> None:
    env = env_of(bot_container(docs))
    assert set(env) <= SETTINGS, f"not settings: {sorted(set(env) - SETTINGS)}"
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "VPS_API_TOKEN"):
        assert "secretKeyRef" in env[name]["valueFrom"], f"{name} is not read from a Secret"
        assert "value" not in env[name]
    assert "secretKeyRef" in env["BOT_STATE_URL"]["valueFrom"]  # it holds a password


def test_the_policy_comes_from_the_configmap_and_loads(docs: list[Doc], tmp_path: Path) -> None:
    container = bot_container(docs)
    pod = find(docs, "Deployment", "vpsbot")["spec"]["template"]["spec"]
    policy_file = Path(env_of(container)["BOT_POLICY_FILE"]["value"])
    mount = next(m for m in container["volumeMounts"] if m["mountPath"] == str(policy_file.parent))
    volume = next(v for v in pod["volumes"] if v["name"] == mount["name"])
    configmap = find(docs, "ConfigMap", volume["configMap"]["name"])
    text = configmap["data"][policy_file.name]
    (tmp_path / "policy.yml").write_text(text)
    load_policy(tmp_path / "policy.yml")  # raises on any mistake, naming the line


def test_the_grace_period_fits_the_drain(docs: list[Doc]) -> None:
    pod = find(docs, "Deployment", "vpsbot")["spec"]["template"]["spec"]
    drain = inspect.signature(Services.drain).parameters["grace"].default
    pause = bot_container(docs)["lifecycle"]["preStop"]["sleep"]["seconds"]
    assert pod["terminationGracePeriodSeconds"] >= pause + drain + 5


def test_service_and_budget_select_the_bots_pods(docs: list[Doc]) -> None:
    labels = find(docs, "Deployment", "vpsbot")["spec"]["template"]["metadata"]["labels"]
    service = find(docs, "Service", "vpsbot")
    budget = find(docs, "PodDisruptionBudget", "vpsbot")
    assert service["spec"]["selector"].items() <= labels.items()
    assert budget["spec"]["selector"]["matchLabels"].items() <= labels.items()
    named = {p["name"] for p in bot_container(docs)["ports"]}
    assert {p["targetPort"] for p in service["spec"]["ports"]} <= named
    assert budget["spec"]["maxUnavailable"] == 1


def test_the_postgres_overlay_points_the_bots_at_it() -> None:
    docs = build(POSTGRES)
    url = env_of(bot_container(docs))["BOT_STATE_URL"]["valueFrom"]["secretKeyRef"]
    assert url == {"name": "vpsbot-postgres", "key": "url"}
    database = find(docs, "StatefulSet", "vpsbot-postgres")["spec"]["template"]["spec"]
    password = env_of(database["containers"][0])["POSTGRES_PASSWORD"]["valueFrom"]
    assert password["secretKeyRef"]["name"] == "vpsbot-postgres"
    assert find(docs, "Service", "vpsbot-postgres")["spec"]["ports"][0]["port"] == 5432
    # The base's other variables are untouched by the patch.
    assert "SLACK_BOT_TOKEN" in env_of(bot_container(docs))


def test_the_bots_get_every_setting_compose_gives_them(docs: list[Doc]) -> None:
    compose = yaml.safe_load(COMPOSE.read_text())
    wanted = set(compose["services"]["vpsbot-1"]["environment"])
    env = env_of(bot_container(docs))
    assert wanted <= set(env), f"compose sets, Kubernetes does not: {sorted(wanted - set(env))}"


def test_the_ops_channel_comes_from_the_secret(docs: list[Doc]) -> None:
    channel = env_of(bot_container(docs))["BOT_OPS_CHANNEL"]["valueFrom"]["secretKeyRef"]
    assert channel == {"name": "vpsbot", "key": "BOT_OPS_CHANNEL", "optional": True}
