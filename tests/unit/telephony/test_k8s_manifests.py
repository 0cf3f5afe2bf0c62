"""docker/k8s/ as a cluster would take it: every resource valid against the Kubernetes API schemas (bundled by
``kubernetes-validate``, strict: an unknown or misspelt field fails), and wired to what the gateway really
serves: its probe paths, its drain on SIGTERM, its calls gauge, its settings, its recognizer tier.
Plus the compose file's scale-out profile. (No cluster or Docker needed.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from telephony.metrics import Metrics
from telephony.settings import Settings
from tests.support.paths import REPO_ROOT

K8S = REPO_ROOT / "docker" / "k8s"
K8S_VERSION = "1.30"  # the oldest release still maintained when the manifests were written


def documents() -> list[tuple[Path, dict[str, Any]]]:
    return [(f, d) for f in sorted(K8S.glob("*.yaml")) for d in yaml.safe_load_all(f.read_text("utf-8")) if d]


def resource(kind: str, name: str) -> dict[str, Any]:
    found = [d for _, d in documents() if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}"
    return found[0]


def container(deployment: str) -> dict[str, Any]:
    spec: dict[str, Any] = resource("Deployment", deployment)["spec"]["template"]["spec"]
    return spec["containers"][0]


@pytest.mark.parametrize(("path", "doc"), documents(), ids=lambda v: v.name if isinstance(v, Path) else v["kind"])
def test_every_resource_is_valid_against_the_kubernetes_schemas(path: Path, doc: dict[str, Any]) -> None:
    kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_the_validator_rejects_a_misspelt_field() -> None:
    """The check above checks something: strict validation fails a field Kubernetes does not know."""
    doc = resource("Deployment", "infolinia-gateway")
    broken = {**doc, "spec": {**doc["spec"], "replica": 3}}
    with pytest.raises(kubernetes_validate.ValidationError, match="replica"):
        kubernetes_validate.validate(broken, K8S_VERSION, strict=True)


def test_gateway_probes_are_the_routes_the_app_serves() -> None:
    gateway = container("infolinia-gateway")
    assert gateway["readinessProbe"]["httpGet"]["path"] == "/readyz"  # 503 while loading, draining, Redis down
    assert gateway["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert gateway["command"] == ["infolinia", "serve", "--workers", "1"]  # PID 1 is the server preStop signals


def test_stopping_a_gateway_drains_its_calls_within_the_grace_period() -> None:
    pod = resource("Deployment", "infolinia-gateway")["spec"]["template"]["spec"]
    pre_stop = pod["containers"][0]["lifecycle"]["preStop"]["exec"]["command"][-1]
    assert "kill -TERM 1" in pre_stop and "while kill -0 1" in pre_stop  # starts the drain, waits for the exit
    wait_s = float(pre_stop.split("sleep ", 1)[1].split(";", 1)[0])
    drain_s = float(resource("ConfigMap", "infolinia-settings")["data"]["INFOLINIA_DRAIN_GRACE_S"])
    assert pod["terminationGracePeriodSeconds"] >= wait_s + drain_s + 15  # + the hand-off to the fallback number


def test_the_autoscaler_reads_the_gauge_the_gateway_exports() -> None:
    hpa = resource("HorizontalPodAutoscaler", "infolinia-gateway")
    metric = hpa["spec"]["metrics"][0]["pods"]["metric"]["name"]
    assert metric == Metrics().calls_active._name
    adapter = yaml.safe_load(resource("ConfigMap", "prometheus-adapter-infolinia")["data"]["config.yaml"])
    assert adapter["rules"][0]["name"]["as"] == metric
    per_pod = float(hpa["spec"]["metrics"][0]["pods"]["target"]["averageValue"])
    assert per_pod < int(resource("ConfigMap", "infolinia-settings")["data"]["INFOLINIA_MAX_CONCURRENT_CALLS"])


def test_every_setting_given_is_a_real_one_and_valid() -> None:
    given = {
        **resource("ConfigMap", "infolinia-settings")["data"],
        **resource("Secret", "infolinia-secrets")["stringData"],
    }
    known = {f"INFOLINIA_{name.upper()}" for name in Settings.model_fields}
    assert set(given) - known == set()
    # the values parse as the gateway parses them (the Sentinel URL scheme is the Redis client's business)
    Settings.model_validate({k.removeprefix("INFOLINIA_").lower(): v for k, v in given.items()})


def test_gateways_reach_the_recognizer_tier_and_only_they_may() -> None:
    remote = resource("ConfigMap", "infolinia-settings")["data"]["INFOLINIA_ASR_REMOTE"]
    service = resource("Service", "infolinia-recognizer")
    assert remote == f"tcp://{service['metadata']['name']}:{service['spec']['ports'][0]['port']}"
    recognizer = container("infolinia-recognizer")
    assert recognizer["command"][:2] == ["infolinia", "wyoming"]
    assert {"name": "INFOLINIA_ASR_REMOTE", "value": ""} in recognizer["env"]  # it must not forward to itself
    policy = resource("NetworkPolicy", "infolinia-recognizer")["spec"]["ingress"][0]["from"][0]
    assert policy["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": "infolinia-gateway"}


def test_redis_runs_with_sentinels_and_the_gateway_follows_them() -> None:
    redis = resource("StatefulSet", "infolinia-redis")["spec"]
    assert redis["replicas"] == 3 and [c["name"] for c in redis["template"]["spec"]["containers"]] == [
        "redis",
        "sentinel",
    ]
    scripts = resource("ConfigMap", "infolinia-redis")["data"]
    assert "sentinel monitor infolinia infolinia-redis-0.infolinia-redis 6379 2" in scripts["start-sentinel.sh"]
    url = resource("Secret", "infolinia-secrets")["stringData"]["INFOLINIA_REDIS_URL"]
    assert url.startswith("redis+sentinel://") and url.endswith("/infolinia/0")


def test_every_workload_has_a_disruption_budget() -> None:
    budgets = {d["metadata"]["name"] for _, d in documents() if d["kind"] == "PodDisruptionBudget"}
    workloads = {d["metadata"]["name"] for _, d in documents() if d["kind"] in ("Deployment", "StatefulSet")}
    assert workloads == budgets


def test_compose_scale_profile_runs_gateways_on_a_recognizer_tier() -> None:
    services = yaml.safe_load((REPO_ROOT / "docker" / "compose.yaml").read_text("utf-8"))["services"]
    pool, recognizer, balancer = services["gateway-pool"], services["recognizer"], services["balancer"]
    assert pool["profiles"] == recognizer["profiles"] == balancer["profiles"] == ["scale"]
    assert pool["deploy"]["replicas"] >= 2 and recognizer["deploy"]["replicas"] >= 2
    assert "tcp://recognizer:10700" in pool["environment"]["INFOLINIA_ASR_REMOTE"]
    assert recognizer["environment"]["INFOLINIA_ASR_REMOTE"] == ""
    assert "infolinia wyoming --uri tcp://0.0.0.0:10700" in recognizer["command"][-1]
    assert balancer["ports"] == ["127.0.0.1:8081:8081"] and "gateway-pool:8080" in balancer["command"]
    expected = {f"INFOLINIA_{name.upper()}" for name in Settings.model_fields}
    assert expected - set(pool["environment"]) == set()
