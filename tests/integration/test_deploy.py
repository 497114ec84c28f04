"""The deployment files are well-formed and agree with the code: compose and Kubernetes manifests parse and
have the shape docs/deploy.md describes, gunicorn accepts its configuration, and every HUB_* variable they
set is one the hub reads and documents."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def _known_settings() -> set[str]:
    return set(re.findall(r'"(HUB_[A-Z_]+)"', (ROOT / "hub" / "settings.py").read_text()))


def _used_settings(text: str) -> set[str]:
    return set(re.findall(r"\b(HUB_[A-Z_]+)\b", text))


def test_compose_stack_has_the_documented_services() -> None:
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "migrate", "web", "scheduler", "proxy"}
    assert services["web"]["deploy"]["replicas"] == 2
    assert services["migrate"]["command"] == ["hub", "db", "upgrade"]
    assert services["scheduler"]["command"] == ["hub", "scheduler"]
    assert services["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["web"]["environment"]["HUB_ENV"] == "production"


def test_kubernetes_manifests_are_complete() -> None:
    documents = list(yaml.safe_load_all((DEPLOY / "k8s" / "signaalhub.yaml").read_text()))
    for document in documents:
        assert document["apiVersion"] and document["kind"] and document["metadata"]["name"]
    by_name = {(d["kind"], d["metadata"]["name"]): d for d in documents}
    web = by_name["Deployment", "signaalhub-web"]["spec"]["template"]["spec"]["containers"][0]
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"
    scheduler = by_name["Deployment", "signaalhub-scheduler"]["spec"]
    assert scheduler["replicas"] == 1 and scheduler["strategy"]["type"] == "Recreate"
    assert scheduler["template"]["spec"]["containers"][0]["command"] == ["hub", "scheduler"]
    job = by_name["Job", "signaalhub-migrate"]["spec"]["template"]["spec"]["containers"][0]
    assert job["command"] == ["hub", "db", "upgrade"]
    assert ("Secret", "signaalhub-keys") in by_name and ("Service", "signaalhub-web") in by_name


def test_kubernetes_manifests_validate_against_the_api_schemas() -> None:
    """What kubeconform does, offline: every document against the Kubernetes OpenAPI schemas, strictly (a
    misspelt or misplaced field is an error, not ignored)."""
    documents = [d for d in yaml.safe_load_all((DEPLOY / "k8s" / "signaalhub.yaml").read_text()) if d]
    assert len(documents) >= 7
    for document in documents:
        kubernetes_validate.validate(document, kubernetes_validate.latest_version(), strict=True)


def test_the_schema_check_rejects_a_broken_manifest() -> None:
    documents = [d for d in yaml.safe_load_all((DEPLOY / "k8s" / "signaalhub.yaml").read_text()) if d]
    web = next(d for d in documents if d["kind"] == "Deployment" and d["metadata"]["name"] == "signaalhub-web")
    web["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["pathh"] = "/readyz"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(web, kubernetes_validate.latest_version(), strict=True)
    web["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(web, kubernetes_validate.latest_version(), strict=False)


def _compose_command() -> list[str] | None:
    """``docker compose`` (the plugin) or a standalone ``docker-compose`` of version 2 or later; None when
    neither is there. Compose 1 (Debian's docker-compose package) predates the Compose Specification the
    file follows (a top-level ``name``), so it does not count. Only the client is needed: ``config``
    resolves the file without talking to an engine."""
    for command in (["docker", "compose"], ["docker-compose"]):
        if shutil.which(command[0]) is None:
            continue
        probe = subprocess.run(
            [*command, "version", "--short"], capture_output=True, text=True, timeout=60, check=False
        )
        major = probe.stdout.strip().lstrip("v").split(".")[0]
        if probe.returncode == 0 and major.isdigit() and int(major) >= 2:
            return command
    return None


def test_docker_compose_accepts_the_stack(tmp_path: Path) -> None:
    command = _compose_command()
    if command is None:
        pytest.skip("no Compose 2 client: neither the docker compose plugin nor docker-compose 2+ is installed")
    result = subprocess.run(
        [*command, "-f", str(DEPLOY / "docker-compose.yml"), "config", "--quiet"],
        cwd=tmp_path,
        env={**os.environ, "POSTGRES_PASSWORD": "only-for-config"},  # the stack refuses to start without one
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_every_hub_variable_in_deploy_files_is_a_real_documented_setting() -> None:
    known = _known_settings()
    documented = _used_settings((ROOT / "docs" / "configuration.md").read_text())
    for path in DEPLOY.rglob("*"):
        if path.is_file():
            used = _used_settings(path.read_text())
            assert used <= known, f"{path.name} sets unknown {used - known}"
    assert known <= documented, f"undocumented settings: {known - documented}"


def test_gunicorn_accepts_the_configuration(tmp_path: Path) -> None:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    result = subprocess.run(
        [str(gunicorn), "--check-config", "-c", str(DEPLOY / "gunicorn.conf.py"), "hub.wsgi:app"],
        env={**os.environ, "HUB_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
