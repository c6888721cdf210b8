"""The production profile's pure parts: the variables and their checks, the nginx configuration, and that the
endpoints file, the launcher and `scripts/run.sh` agree (deploy/prod/serve.py, deploy/endpoints.prod.yml)."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.retention import compact

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("prod_serve", ROOT / "deploy" / "prod" / "serve.py")
serve = sys.modules.setdefault("prod_serve", importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(serve)

# The names other deployment files (docker-compose, Kubernetes) reference: they must stay exactly these.
SHARED_NAMES = {"ACTION_SERVER_URL", "TRACKER_DB_HOST", "TRACKER_DB_PORT", "TRACKER_DB_NAME", "TRACKER_DB_USER",
                "TRACKER_DB_PASSWORD", "REDIS_HOST", "REDIS_PORT", "REDIS_PASSWORD", "DATABASE_URL",
                "TRIALBOT_TRACKER_URL", "TRIALBOT_SESSION_SECRET", "TRIALBOT_ALLOWED_ORIGINS", "TRIALBOT_RETENTION"}

GIVEN = {"TRACKER_DB_HOST": "10.0.0.7", "TRACKER_DB_NAME": "conversations", "TRACKER_DB_USER": "rasa",
         "REDIS_HOST": "10.0.0.8", "DATABASE_URL": "postgresql+psycopg2://cat@10.0.0.7/catalogue",
         "TRIALBOT_SESSION_SECRET": "s" * 40}


def test_every_shared_name_is_a_checked_variable_and_every_endpoint_variable_is_known():
    assert SHARED_NAMES <= set(serve.VARIABLES)
    lines = serve.ENDPOINTS.read_text(encoding="utf-8").splitlines()
    used = {name for line in lines if not line.lstrip().startswith("#") for name in re.findall(r"\$\{(\w+)\}", line)}
    assert used and used <= set(serve.VARIABLES)


def test_the_required_variables_are_enough_and_the_rest_is_derived(tmp_path):
    s = serve.checked({**GIVEN, "TRACKER_DB_PASSWORD": "p@ss:w/rd"}, tmp_path)
    assert s.env["ACTION_SERVER_URL"] == "http://127.0.0.1:5055/webhook"
    assert s.env["TRIALBOT_TRACKER_URL"] == "postgresql+psycopg2://rasa:p%40ss%3Aw%2Frd@10.0.0.7:5432/conversations"
    assert s.env["REDIS_PORT"] == "6379" and s.env["REDIS_PASSWORD"] == "" and s.env["TRACKER_DB_PORT"] == "5432"
    assert "TRIALBOT_ALLOWED_ORIGINS" not in s.env  # credentials.yml's list applies
    assert s.rasa_ports == [5006, 5007] and s.actions_workers == 2 and s.lb_port == 5005
    assert s.run_dir == tmp_path / "var" / "prod" and s.env["PYTHONPATH"] == str(tmp_path)


def test_given_values_win_over_the_derived_ones():
    s = serve.checked({**GIVEN, "ACTION_SERVER_URL": "http://actions.internal:5055/webhook",
                       "TRIALBOT_TRACKER_URL": "postgresql://elsewhere/db", "RASA_PROCESSES": "3",
                       "RASA_PORT_BASE": "6000", "TRIALBOT_ALLOWED_ORIGINS": "https://hospital.example"})
    assert s.env["ACTION_SERVER_URL"] == "http://actions.internal:5055/webhook"
    assert s.env["TRIALBOT_TRACKER_URL"] == "postgresql://elsewhere/db"
    assert s.env["TRIALBOT_ALLOWED_ORIGINS"] == "https://hospital.example"
    assert s.rasa_ports == [6000, 6001, 6002]


def test_every_missing_variable_is_named_at_once():
    with pytest.raises(serve.ProfileError) as error:
        serve.checked({"TRACKER_DB_HOST": "  "})
    for name in ("TRACKER_DB_HOST", "TRACKER_DB_NAME", "TRACKER_DB_USER", "REDIS_HOST", "DATABASE_URL",
                 "TRIALBOT_SESSION_SECRET"):
        assert f"{name} is not set" in str(error.value)


@pytest.mark.parametrize(("changes", "problem"), [
    ({"TRIALBOT_SESSION_SECRET": "short"}, "at least 32 characters"),
    ({"ACTIONS_HOST": "0.0.0.0"}, "ACTIONS_HOST must be a loopback or private-network address"),
    ({"ACTIONS_HOST": "8.8.8.8"}, "ACTIONS_HOST must be a loopback or private-network address"),
    ({"ACTIONS_HOST": "actions.example.com"}, "ACTIONS_HOST must be an IP address"),
    ({"TRACKER_DB_PORT": "54x2"}, "TRACKER_DB_PORT must be a whole number"),
    ({"LB_PORT": "70000"}, "LB_PORT must be a whole number"),
    ({"ACTIONS_WORKERS": "0"}, "ACTIONS_WORKERS must be a whole number from 1"),
    ({"RASA_PORT_BASE": "5054", "RASA_PROCESSES": "2"}, "overlap ACTIONS_PORT or LB_PORT"),
    ({"TRIALBOT_PURGE_HOURS": "-1"}, "TRIALBOT_PURGE_HOURS must be a number of hours above 0"),
    ({"TRIALBOT_COMPACT": "yes"}, "TRIALBOT_COMPACT must be on or off"),
])
def test_a_wrong_value_is_refused_with_its_reason(changes, problem):
    with pytest.raises(serve.ProfileError, match=re.escape(problem)):
        serve.checked({**GIVEN, **changes})


@pytest.mark.parametrize("host", ["127.0.0.1", "10.1.2.3", "192.168.0.4", "172.16.5.6", "localhost", "::1"])
def test_private_addresses_are_accepted_for_the_action_server(host):
    assert serve.checked({**GIVEN, "ACTIONS_HOST": host}).actions_host == host


def test_compaction_leaves_a_database_other_than_postgresql_alone(tmp_path):
    assert compact(f"sqlite:///{tmp_path / 'conversations.db'}") is False


def _config(tmp_path: Path) -> str:
    s = serve.checked({**GIVEN, "TRIALBOT_RUN_DIR": str(tmp_path), "LB_PORT": "8443", "RASA_PROCESSES": "3"})
    return serve.nginx_config(s)


def test_nginx_balances_rest_and_keeps_each_socket_on_one_process(tmp_path):
    config = _config(tmp_path)
    rest = config[config.index("upstream rasa_rest"):config.index("upstream rasa_socketio")]
    sockets = config[config.index("upstream rasa_socketio"):config.index("server {")]
    for port in (5006, 5007, 5008):
        assert f"server 127.0.0.1:{port} " in rest and f"server 127.0.0.1:{port} " in sockets
    assert not re.search(r"^\s*(ip_)?hash", rest, re.M) and "hash $remote_addr consistent;" in sockets
    assert "listen 127.0.0.1:8443;" in config
    socket_location = config[config.index("location /socket.io/"):]
    assert "proxy_set_header Upgrade $http_upgrade;" in socket_location.split("}")[0]


def test_nginx_logs_no_query_string_and_serves_nothing_but_the_channels(tmp_path):
    config = _config(tmp_path)
    log_format = next(line for line in config.splitlines() if "log_format" in line)
    assert "$uri" in log_format
    for leaky in ("$request ", "$request_uri", "$args", "$query_string", "$request_body", "$http_cookie"):
        assert leaky not in log_format + " "
    locations = re.findall(r"location (\S+)", config)
    assert sorted(locations) == ["/", "/socket.io/", "/webhooks/rest/", "/webhooks/socketio/"]
    assert "return 404;" in config[config.index("location / {"):]


def test_nginx_accepts_the_generated_configuration(tmp_path):
    nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    if nginx is None:
        pytest.skip("nginx is not installed (the production profile and its e2e test install Debian's nginx-light)")
    (tmp_path / "nginx-tmp").mkdir()
    config = tmp_path / "nginx.conf"
    config.write_text(_config(tmp_path), encoding="utf-8")
    done = subprocess.run([nginx, "-t", "-c", str(config)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr


def _run_sh(profile: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in serve.VARIABLES}
    return subprocess.run(["bash", str(ROOT / "scripts" / "run.sh")], capture_output=True, text=True, timeout=60,
                          env={**clean, **env, "PROFILE": profile})


def test_run_sh_refuses_an_unknown_profile():
    done = _run_sh("staging", {})
    assert done.returncode == 2 and "unknown PROFILE 'staging'" in done.stderr


def test_run_sh_prod_stops_before_loading_anything_when_variables_are_missing():
    done = _run_sh("prod", {k: v for k, v in GIVEN.items() if k != "REDIS_HOST"})
    assert done.returncode != 0
    assert "REDIS_HOST is not set" in done.stderr and "trials load" not in done.stdout + done.stderr
