"""deploy/kubernetes/: valid against the Kubernetes schemas, and in step with the code's settings.

There is no kustomize binary here: `build()` does what `kustomize build` does with the features
these kustomizations use (resources, strategic-merge patches with lists merged by name, labels)
and refuses any other, so every manifest is validated as the cluster would receive it.
"""

from __future__ import annotations

import inspect
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
BASE = ROOT / "deploy" / "kubernetes"
POSTGRES = BASE / "overlays" / "postgres"
SUPPORTED = {"apiVersion", "kind", "resources", "patches", "labels"}
# The oldest Kubernetes the manifests support (preStop `sleep` is on by default from 1.30),
# and the newest whose schemas the package bundles.
VERSIONS = ["1.30.0", kubernetes_validate.latest_version()]
SETTINGS = {name.upper() for name in Settings.model_fields}

Doc = dict[str, Any]


def merge(base: Doc, patch: Doc) -> None:
    """Strategic merge as kustomize does it for these manifests: maps merged key by key, lists
    of named items merged by name, anything else replaced."""
    for key, value in patch.items():
        current = base.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            merge(current, value)
        elif isinstance(value, list) and isinstance(current, list) and _named(value + current):
            by_name = {item["name"]: item for item in current}
            for item in value:
                if item["name"] in by_name:
                    merge(by_name[item["name"]], item)
                else:
                    current.append(item)
        else:
            base[key] = value


def _named(items: list[Any]) -> bool:
    return all(isinstance(item, dict) and "name" in item for item in items)


def build(directory: Path) -> list[Doc]:
    """The documents `kustomize build directory` would print."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unknown = set(kustomization) - SUPPORTED
    assert not unknown, f"{directory}: teach build() about {sorted(unknown)} first"
    docs: list[Doc] = []
    for entry in kustomization.get("resources", []):
        path = (directory / entry).resolve()
        if path.is_dir():
            docs.extend(build(path))
        else:
            docs.extend(d for d in yaml.safe_load_all(path.read_text()) if d)
    for entry in kustomization.get("patches", []):
        patch = yaml.safe_load((directory / entry["path"]).read_text())
        targets = [d for d in docs if same_object(d, patch)]
        assert len(targets) == 1, f"{entry['path']} patches {len(targets)} objects"
        merge(targets[0], patch)
    for labels in kustomization.get("labels", []):
        for doc in docs:
            doc["metadata"].setdefault("labels", {}).update(labels["pairs"])
    return docs


def same_object(doc: Doc, patch: Doc) -> bool:
    return bool(
        doc["kind"] == patch["kind"] and doc["metadata"]["name"] == patch["metadata"]["name"]
    )


def find(docs: list[Doc], kind: str, name: str) -> Doc:
    found = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"{len(found)} {kind} named {name}"
    return found[0]


def bot_container(docs: list[Doc]) -> Doc:
    pod = find(docs, "Deployment", "vpsbot")["spec"]["template"]["spec"]
    return next(c for c in pod["containers"] if c["name"] == "vpsbot")


def env_of(container: Doc) -> dict[str, Doc]:
    return {e["name"]: e for e in container["env"]}


@pytest.fixture(scope="module", params=[BASE, POSTGRES], ids=["base", "postgres"])
def docs(request: pytest.FixtureRequest) -> list[Doc]:
    return build(request.param)


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
