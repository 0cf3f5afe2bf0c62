"""The operations kit in docker/ as Prometheus and Grafana will load it: the alert rules pass
``promtool check rules`` and their own unit tests (``promtool test rules``: each alert fires on a scripted
series), the Prometheus config passes ``promtool check config``, every dashboard query is valid PromQL
(checked by promtool as a recording rule), and every metric name a rule or a panel uses is one a running
gateway really exports (its ``/metrics``, scraped over HTTP). A renamed metric would otherwise leave an
alert silently never firing and a panel silently empty."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from telephony.agents.roster import hash_token
from tests.support.paths import REPO_ROOT
from tests.support.servers import free_port, spawn, stop, uvicorn_factory, wait_ready

DOCKER = REPO_ROOT / "docker"
RULES = DOCKER / "prometheus" / "alerts.yml"
DASHBOARD = DOCKER / "grafana" / "dashboards" / "infolinia.json"
BUILTIN = {"up"}  # made by Prometheus itself for every scrape target
PROMQL_WORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset"}
SUFFIXES = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_count", "_sum", "_created")}


def promtool(*args: str, cwd: Path | None = None) -> str:
    exe = shutil.which("promtool")
    if exe is None:
        pytest.fail("promtool is missing: `make system-deps` (Debian package prometheus)", pytrace=False)
    done = subprocess.run([exe, *args], cwd=cwd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads: identifiers that are not functions, keywords,
    label names (inside ``{}`` or ``by (...)``) nor ranges."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # strings first (they may hold braces)
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names = set()
    for match in re.finditer(r"[a-zA-Z_:][a-zA-Z0-9_:]*", text):
        word, rest = match.group(), text[match.end() :].lstrip()
        if word not in PROMQL_WORDS and not rest.startswith("(") and not re.fullmatch(r"e\d*|Inf|NaN", word):
            names.add(word)
    return names


def exported(text: str) -> set[str]:
    """Every sample name the families of a scrape can have (labelled families show no sample yet)."""
    names = set()
    for family in text_string_to_metric_families(text):
        names.add(family.name)
        names.update(family.name + suffix for suffix in SUFFIXES.get(family.type, ()))
    return names


def dashboard_exprs() -> list[tuple[str, str]]:
    data = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return [(p["title"], t["expr"]) for p in data["panels"] for t in p.get("targets", [])]


def rule_exprs() -> list[tuple[str, str]]:
    rules = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return [(r["alert"], r["expr"]) for g in rules["groups"] for r in g["rules"]]


@pytest.fixture(scope="module")
def scrape(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``/metrics`` of a real gateway process (no speech models: the metric families do not need them)."""
    tmp = tmp_path_factory.mktemp("ops")
    roster = tmp / "agents.yaml"
    agent = {"id": "ola", "name": "Ola", "contact": "client:ola", "queues": ["obsluga"]}
    agent["token_sha256"] = hash_token("t")
    roster.write_text(yaml.safe_dump({"agents": [agent]}), encoding="utf-8")
    env = {
        "INFOLINIA_SPEECH": "false",
        "INFOLINIA_REDIS_URL": redis_url,
        "INFOLINIA_REDIS_PREFIX": f"ops{uuid.uuid4().hex[:8]}:",
        "INFOLINIA_TWILIO_AUTH_TOKEN": "ops-kit-token-0123456789",
        "INFOLINIA_AGENTS_PATH": str(roster),
        "INFOLINIA_QUEUES": json.dumps({"reklamacje": {"max_wait_s": 120}}),
        "INFOLINIA_LOG_LEVEL": "WARNING",
    }
    port = free_port()
    server = spawn(uvicorn_factory("telephony.app.workers:app_from_env", port), port, env, tmp / "gateway.log")
    try:
        wait_ready(server, "/readyz", timeout_s=120.0, poll_s=0.3)
        yield httpx.get(server.url + "/metrics", timeout=10).text
    finally:
        stop(server, timeout_s=20)


def test_alert_rules_pass_promtool_and_their_unit_tests() -> None:
    assert "SUCCESS: 7 rules found" in promtool("check", "rules", str(RULES))
    assert "SUCCESS" in promtool("test", "rules", "alerts.test.yml", cwd=RULES.parent)


def test_prometheus_config_passes_promtool(tmp_path: Path) -> None:
    """The paths inside the config are the container's: checked against copies at the same names."""
    config = (DOCKER / "prometheus" / "prometheus.yml").read_text(encoding="utf-8")
    shutil.copy(RULES, tmp_path / "alerts.yml")
    (tmp_path / "metrics.token").write_text("token\n", encoding="utf-8")
    (tmp_path / "prometheus.yml").write_text(config.replace("/etc/prometheus/", f"{tmp_path}/"), encoding="utf-8")
    assert "is valid prometheus config file syntax" in promtool("check", "config", str(tmp_path / "prometheus.yml"))


def test_every_dashboard_query_is_valid_promql(tmp_path: Path) -> None:
    """promtool parses each panel's query as a recording rule (Grafana's ``$__rate_interval`` as 5m)."""
    exprs = dashboard_exprs()
    rules = [{"record": f"panel_{i}", "expr": e.replace("$__rate_interval", "5m")} for i, (_, e) in enumerate(exprs)]
    path = tmp_path / "panels.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "panels", "rules": rules}]}), encoding="utf-8")
    assert f"SUCCESS: {len(exprs)} rules found" in promtool("check", "rules", str(path))


def test_the_dashboard_is_well_formed_for_grafana() -> None:
    data: dict[str, Any] = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    provisioned = yaml.safe_load((DOCKER / "grafana/provisioning/datasources/prometheus.yml").read_text("utf-8"))
    uid = provisioned["datasources"][0]["uid"]
    ids = [p["id"] for p in data["panels"]]
    assert data["uid"] and data["title"] and len(ids) == len(set(ids)) >= 15
    for panel in data["panels"]:
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24 and grid["h"] > 0, panel["title"]
        if panel["type"] == "row":
            continue
        assert panel["datasource"]["uid"] == uid and panel["targets"], panel["title"]
        refs = [t["refId"] for t in panel["targets"]]
        assert len(refs) == len(set(refs)) and all(t["expr"].strip() for t in panel["targets"]), panel["title"]


def test_every_metric_a_rule_or_panel_reads_is_exported_by_the_gateway(scrape: str) -> None:
    known = exported(scrape) | BUILTIN
    assert "infolinia_store_up" in known and 'infolinia_queue_promise_seconds{queue="reklamacje"} 120.0' in scrape
    assert 'infolinia_store_up{backend="redis"} 1.0' in scrape  # the recovery watcher checked Redis at start
    for where, expr in [*rule_exprs(), *dashboard_exprs()]:
        names = metric_names(expr)
        assert names, f"{where}: no metric in {expr!r}"
        assert names <= known, f"{where}: {sorted(names - known)} not in the gateway's /metrics"


def test_the_name_check_catches_a_misspelt_metric() -> None:
    expr = 'histogram_quantile(0.9, sum by (queue, le) (rate(infolinia_queue_wait_secs_bucket{outcome="x"}[5m])))'
    assert metric_names(expr) == {"infolinia_queue_wait_secs_bucket"}
    assert metric_names("a > on (queue) group_left b * 1e3") == {"a", "b"}


def test_the_monitoring_profile_mounts_the_kit() -> None:
    services = yaml.safe_load((DOCKER / "compose.yaml").read_text(encoding="utf-8"))["services"]
    for name in ("prometheus", "grafana"):
        assert services[name]["profiles"] == ["monitoring"]
        assert all(port.startswith("127.0.0.1:") for port in services[name]["ports"]), name
        for volume in services[name]["volumes"]:
            source = volume.split(":", 1)[0]
            if source.startswith("./"):
                assert (DOCKER / source).exists(), volume
