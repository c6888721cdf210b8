"""The production profile on one machine (`make run PROFILE=prod`): an action server with several workers, several
Rasa processes sharing PostgreSQL and Redis, and nginx in front of them.

Rasa's own replication model: the Rasa processes are interchangeable because the conversations live in the tracker
store (PostgreSQL) and one lock per conversation lives in Redis; the action server is stateless. REST requests go to
any Rasa process (round robin). socket.io keeps a connection's state (its engine.io session, the rooms) inside one
process, so it needs one Sanic worker per process and a sticky balancer: nginx hashes the client's address. Every
Rasa process runs one worker for that reason; REST is scaled by adding processes (RASA_PROCESSES).

The retention purge runs at start and every TRIALBOT_PURGE_HOURS, each followed by a compaction of the events table
(VACUUM FULL), so that no forgotten or purged conversation's bytes stay in the table's free space for longer.

Everything is checked before anything starts (`check`), with every problem listed at once. The generated nginx
configuration and the logs go to $TRIALBOT_RUN_DIR (var/prod). The access log holds the method, path (never the
query string, which may carry a widget's session token), status and which Rasa process answered: no body, no words.

Usage: serve.py check | serve.py nginx-config | serve.py serve  (run by scripts/run.sh with PROFILE=prod).
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]
ENDPOINTS = ROOT / "deploy" / "endpoints.prod.yml"
START_TIMEOUT = 300.0
MIN_SECRET_CHARS = 32

# name: (default or None when it must be given, what it is). The README lists the same.
VARIABLES: dict[str, tuple[str | None, str]] = {
    "TRACKER_DB_HOST": (None, "PostgreSQL host of the tracker store (conversations)"),
    "TRACKER_DB_PORT": ("5432", "port of the tracker store's PostgreSQL"),
    "TRACKER_DB_NAME": (None, "database name of the tracker store"),
    "TRACKER_DB_USER": (None, "database user of the tracker store"),
    "TRACKER_DB_PASSWORD": ("", "that user's password (empty for none)"),
    "TRIALBOT_TRACKER_URL": ("", "SQLAlchemy URL of the same database for `trialbot conversations purge`; "
                             "built from TRACKER_DB_* when empty"),
    "REDIS_HOST": (None, "Redis host of the lock store"),
    "REDIS_PORT": ("6379", "port of the lock store's Redis"),
    "REDIS_PASSWORD": ("", "Redis password (empty for none)"),
    "DATABASE_URL": (None, "SQLAlchemy URL of the catalogue (e.g. postgresql+psycopg2://user:pw@host/catalogue)"),
    "TRIALBOT_SESSION_SECRET": (None, f"secret of the widget's session tokens, the same for every Rasa process "
                                f"(at least {MIN_SECRET_CHARS} characters)"),
    "TRIALBOT_ALLOWED_ORIGINS": ("", "pages that may open a socket, space-separated (credentials.yml's list when "
                                 "empty)"),
    "TRIALBOT_RETENTION": ("30 d", "conversations idle for longer are purged (at start, then every "
                           "TRIALBOT_PURGE_HOURS)"),
    "TRIALBOT_PURGE_HOURS": ("24", "hours between two purges while the profile runs"),
    "TRIALBOT_COMPACT": ("on", "after each purge, rewrite the events table (VACUUM FULL) so that no deleted "
                         "conversation's bytes stay in its free space; off to skip"),
    "TRIALBOT_TRACKER_WAIT": ("30", "seconds a Rasa process waits for the tracker database at start before refusing"),
    "ACTIONS_HOST": ("127.0.0.1", "private address the action server binds to (never 0.0.0.0)"),
    "ACTIONS_PORT": ("5055", "port of the action server"),
    "ACTIONS_WORKERS": ("2", "action-server worker processes (rasa-sdk's ACTION_SERVER_SANIC_WORKERS)"),
    "ACTION_SERVER_URL": ("", "the URL Rasa calls the actions at; http://ACTIONS_HOST:ACTIONS_PORT/webhook when empty"),
    "RASA_PROCESSES": ("2", "Rasa processes behind the balancer"),
    "RASA_PORT_BASE": ("5006", "the first one listens on 127.0.0.1 at this port, the next on the next port"),
    "LB_HOST": ("127.0.0.1", "address nginx listens on (REST and socket.io)"),
    "LB_PORT": ("5005", "port of nginx"),
    "TRIALBOT_RUN_DIR": ("var/prod", "generated nginx configuration and logs"),
    "TRIALBOT_MODEL": ("models/trialbot.tar.gz", "the trained model"),
}


class ProfileError(RuntimeError):
    """The profile cannot start; the message lists every problem."""


@dataclass
class Settings:
    """The checked configuration, and the environment every process of the profile gets."""

    env: dict[str, str]
    actions_host: str
    actions_port: int
    actions_workers: int
    rasa_ports: list[int]
    lb_host: str
    lb_port: int
    run_dir: Path
    model: Path
    purge_hours: float
    problems: list[str] = field(default_factory=list)


def tracker_url(env: Mapping[str, str]) -> str:
    """The tracker database as an SQLAlchemy URL (user and password quoted), for the purge command."""
    password = env.get("TRACKER_DB_PASSWORD", "")
    credentials = quote(env["TRACKER_DB_USER"], safe="") + (f":{quote(password, safe='')}" if password else "")
    return (f"postgresql+psycopg2://{credentials}@{env['TRACKER_DB_HOST']}:{env['TRACKER_DB_PORT']}/"
            f"{env['TRACKER_DB_NAME']}")


def _number(env: Mapping[str, str], name: str, problems: list[str], low: int = 1, high: int = 65535) -> int:
    text = env[name].strip()
    if not text.isdigit() or not low <= int(text) <= high:
        problems.append(f"{name} must be a whole number from {low} to {high}, not {text!r}")
        return low
    return int(text)


def _private_address(env: Mapping[str, str], name: str, problems: list[str]) -> str:
    """A loopback or private address: the action server and the Rasa processes must not face the internet."""
    host = env[name].strip()
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if host != "localhost":
            problems.append(f"{name} must be an IP address (loopback or private network), not {host!r}")
        return host
    if address.is_unspecified or not (address.is_loopback or address.is_private):
        problems.append(f"{name} must be a loopback or private-network address, not {host!r}")
    return host


def settings(environ: Mapping[str, str], root: Path = ROOT) -> Settings:
    """Read and check the variables; ProfileError lists every problem at once."""
    env = dict(environ)
    problems: list[str] = []
    for name, (default, what) in VARIABLES.items():
        if default is None and not env.get(name, "").strip():
            problems.append(f"{name} is not set: {what}")
            env[name] = ""
        elif name not in env:
            env[name] = default or ""
    secret = env["TRIALBOT_SESSION_SECRET"]
    if secret and len(secret) < MIN_SECRET_CHARS:
        problems.append(f"TRIALBOT_SESSION_SECRET must have at least {MIN_SECRET_CHARS} characters "
                        "(e.g. `openssl rand -hex 32`)")
    ports = {name: _number(env, name, problems)
             for name in ("TRACKER_DB_PORT", "REDIS_PORT", "ACTIONS_PORT", "LB_PORT", "RASA_PORT_BASE")}
    workers = _number(env, "ACTIONS_WORKERS", problems, 1, 64)
    processes = _number(env, "RASA_PROCESSES", problems, 1, 64)
    try:
        purge_hours = float(env["TRIALBOT_PURGE_HOURS"])
    except ValueError:
        purge_hours = 0.0
    if purge_hours <= 0:
        problems.append(f"TRIALBOT_PURGE_HOURS must be a number of hours above 0, not {env['TRIALBOT_PURGE_HOURS']!r}")
    if env["TRIALBOT_COMPACT"] not in ("on", "off"):
        problems.append(f"TRIALBOT_COMPACT must be on or off, not {env['TRIALBOT_COMPACT']!r}")
    actions_host = _private_address(env, "ACTIONS_HOST", problems)
    if not env["ACTION_SERVER_URL"]:
        env["ACTION_SERVER_URL"] = f"http://{actions_host}:{ports['ACTIONS_PORT']}/webhook"
    if not env["TRIALBOT_TRACKER_URL"] and all(env[n] for n in ("TRACKER_DB_HOST", "TRACKER_DB_NAME",
                                                                  "TRACKER_DB_USER")):
        env["TRIALBOT_TRACKER_URL"] = tracker_url(env)
    if not env["TRIALBOT_ALLOWED_ORIGINS"]:
        del env["TRIALBOT_ALLOWED_ORIGINS"]  # channels/socketio.py then uses credentials.yml's list
    rasa_ports = [ports["RASA_PORT_BASE"] + i for i in range(processes)]
    if {ports["ACTIONS_PORT"], ports["LB_PORT"]} & set(rasa_ports):
        problems.append(f"the Rasa ports ({rasa_ports[0]}-{rasa_ports[-1]}: RASA_PORT_BASE, RASA_PROCESSES) "
                        "overlap ACTIONS_PORT or LB_PORT")
    run_dir, model = Path(env["TRIALBOT_RUN_DIR"]), Path(env["TRIALBOT_MODEL"])
    env.update({"RASA_TELEMETRY_ENABLED": "false", "PYTHONPATH": str(root)})
    return Settings(env=env, actions_host=actions_host, actions_port=ports["ACTIONS_PORT"],
                    actions_workers=workers, rasa_ports=rasa_ports, lb_host=env["LB_HOST"].strip(),
                    lb_port=ports["LB_PORT"], run_dir=run_dir if run_dir.is_absolute() else root / run_dir,
                    model=model if model.is_absolute() else root / model, purge_hours=purge_hours or 24.0,
                    problems=problems)


def checked(environ: Mapping[str, str], root: Path = ROOT) -> Settings:
    """settings(), or ProfileError with every problem."""
    result = settings(environ, root)
    if result.problems:
        raise ProfileError("the production profile cannot start:\n" + "\n".join(f"  - {p}" for p in result.problems)
                           + "\nSee the README, \"Production profile\", for every variable.")
    return result


def nginx_config(s: Settings) -> str:
    """nginx in front of the Rasa processes: REST round robin, socket.io sticky by client address (with
    WebSocket upgrade), nothing else of Rasa reachable."""
    servers = "".join(f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;\n" for port in s.rasa_ports)
    run = s.run_dir
    forwarded = ("        proxy_set_header Host $host;\n"
                 "        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
                 "        proxy_set_header X-Forwarded-Proto $scheme;\n")
    return f"""# Generated by deploy/prod/serve.py; do not edit (it is rewritten at every start).
daemon off;
worker_processes auto;
pid {run}/nginx.pid;
error_log {run}/nginx-error.log warn;
events {{
    worker_connections 1024;
}}
http {{
    client_body_temp_path {run}/nginx-tmp/body;
    proxy_temp_path {run}/nginx-tmp/proxy;
    fastcgi_temp_path {run}/nginx-tmp/fastcgi;
    uwsgi_temp_path {run}/nginx-tmp/uwsgi;
    scgi_temp_path {run}/nginx-tmp/scgi;
    # The path only ($uri), never the query string: a socket.io URL may carry the widget's session token.
    log_format upstream '$time_iso8601 $request_method $uri $status upstream=$upstream_addr $request_time';
    access_log {run}/nginx-access.log upstream;
    server_tokens off;
    client_max_body_size 1m;
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        '' close;
    }}
    upstream rasa_rest {{
{servers}    }}
    # socket.io keeps a connection's state in one process: the same client always reaches the same one (behind
    # another proxy, hash on the real client address it forwards instead).
    upstream rasa_socketio {{
        hash $remote_addr consistent;
{servers}    }}
    server {{
        listen {s.lb_host}:{s.lb_port};
        location /webhooks/rest/ {{
            proxy_pass http://rasa_rest;
            proxy_read_timeout 120s;
{forwarded}        }}
        location /socket.io/ {{
            proxy_pass http://rasa_socketio;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_read_timeout 3600s;
{forwarded}        }}
        location /webhooks/socketio/ {{
            proxy_pass http://rasa_socketio;
{forwarded}        }}
        location / {{
            return 404;
        }}
    }}
}}
"""


def ensure_binary(name: str, package: str) -> str:
    """The path of a program, installing its Debian package with apt-get when it is missing."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/sbin")
    if found:
        return found
    prefix = [] if os.geteuid() == 0 else ["sudo"]
    print(f"serve: {name} is missing; installing Debian's {package}", file=sys.stderr)
    apt = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*prefix, "apt-get", "update", "-qq"], check=False, env=apt, capture_output=True)
    subprocess.run([*prefix, "apt-get", "install", "-y", "-qq", package], check=False, env=apt, capture_output=True)
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/sbin")
    if not found:
        raise ProfileError(f"{name} is missing and Debian's {package} could not be installed")
    return found


def _up(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return answer.status == 200
    except OSError:
        return False


class Profile:
    """The processes of the profile: start, stop and restart each, always stop all."""

    def __init__(self, s: Settings, rasa: Path | None = None, python: Path | None = None) -> None:
        self.s = s
        self.rasa = rasa or ROOT / ".venv" / "rasa" / "bin" / "rasa"
        self.python = python or ROOT / ".venv" / "actions" / "bin" / "python"
        self.actions: subprocess.Popen | None = None
        self.rasa_processes: dict[int, subprocess.Popen] = {}
        self.balancer: subprocess.Popen | None = None
        s.run_dir.mkdir(parents=True, exist_ok=True)
        s.run_dir.chmod(0o755)  # nginx's workers (not root) reach their temporary folders through it

    def log(self, name: str) -> Path:
        return self.s.run_dir / f"{name}.log"

    def _spawn(self, argv: list[str], log: str, env: dict[str, str]) -> subprocess.Popen:
        with self.log(log).open("a") as out:
            return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)

    def _wait(self, url: str, process: subprocess.Popen, log: str, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                tail = self.log(log).read_text(errors="replace")[-2500:]
                raise ProfileError(f"{log} exited with {process.returncode} before it was up; the end of "
                                   f"{self.log(log)}:\n{tail}")
            if _up(url):
                return
            time.sleep(0.5)
        raise ProfileError(f"{log} did not answer at {url} within {timeout:.0f} s; see {self.log(log)}")

    def start_actions(self) -> None:
        # rasa-sdk 3.6 binds to SANIC_HOST and forks ACTION_SERVER_SANIC_WORKERS workers (rasa_sdk/constants.py).
        env = {**self.s.env, "SANIC_HOST": self.s.actions_host,
               "ACTION_SERVER_SANIC_WORKERS": str(self.s.actions_workers)}
        self.actions = self._spawn([str(self.python), "-m", "rasa_sdk", "--actions", "actions",
                                    "--port", str(self.s.actions_port)], "actions", env)

    def wait_actions(self) -> None:
        assert self.actions is not None
        self._wait(f"http://{self.s.actions_host}:{self.s.actions_port}/health", self.actions, "actions")

    def start_rasa(self, index: int) -> None:
        """Rasa process `index` on loopback, one Sanic worker (socket.io), no HTTP API."""
        env = {**self.s.env, "SANIC_WORKERS": "1"}
        port = self.s.rasa_ports[index]
        self.rasa_processes[index] = self._spawn(
            [str(self.rasa), "run", "-i", "127.0.0.1", "--port", str(port), "--model", str(self.s.model),
             "--credentials", str(ROOT / "credentials.yml"), "--endpoints", str(ENDPOINTS)], f"rasa-{index + 1}", env)

    def wait_rasa(self, index: int) -> None:
        self._wait(f"http://127.0.0.1:{self.s.rasa_ports[index]}/webhooks/rest/", self.rasa_processes[index],
                   f"rasa-{index + 1}")

    def stop_rasa(self, index: int) -> None:
        process = self.rasa_processes.pop(index, None)
        if process is not None:
            _stop(process)

    def start_balancer(self) -> None:
        nginx = ensure_binary("nginx", "nginx-light")
        config = self.s.run_dir / "nginx.conf"
        config.write_text(nginx_config(self.s), encoding="utf-8")
        (self.s.run_dir / "nginx-tmp").mkdir(exist_ok=True)
        checked_config = subprocess.run([nginx, "-t", "-q", "-c", str(config)], capture_output=True, text=True)
        if checked_config.returncode != 0:
            raise ProfileError(f"nginx refused {config}:\n{checked_config.stderr}")
        self.balancer = self._spawn([nginx, "-c", str(config)], "nginx", self.s.env)
        self._wait(f"http://{self.s.lb_host}:{self.s.lb_port}/webhooks/rest/", self.balancer, "nginx")

    def start(self) -> None:
        """Everything, in order; the Rasa processes start together (their start-up is the slow part)."""
        self.start_actions()
        for index in range(len(self.s.rasa_ports)):
            self.start_rasa(index)
        self.wait_actions()
        for index in range(len(self.s.rasa_ports)):
            self.wait_rasa(index)
        self.start_balancer()

    def processes(self) -> list[subprocess.Popen]:
        return [p for p in (self.actions, self.balancer, *self.rasa_processes.values()) if p is not None]

    def stop(self) -> None:
        """Stop every process this profile started (never anything else): all are told at once, then awaited."""
        running = [p for p in (self.balancer, *self.rasa_processes.values(), self.actions) if p is not None]
        for process in running:
            if process.poll() is None:
                process.terminate()
        for process in running:
            _stop(process)
        self.balancer, self.actions = None, None
        self.rasa_processes.clear()

    @property
    def url(self) -> str:
        return f"http://{self.s.lb_host}:{self.s.lb_port}"


def _stop(process: subprocess.Popen, timeout: float = 30) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def purge(s: Settings, python: Path) -> None:
    """The retention, applied to the tracker database (same command as the embedded profile), then the compaction."""
    trialbot = python.parent / "trialbot"
    command = [str(trialbot), "conversations", "purge"] + (["--compact"] if s.env["TRIALBOT_COMPACT"] == "on" else [])
    subprocess.run(command, cwd=ROOT, env=s.env, check=False)


def serve(s: Settings) -> int:
    """Start everything, purge on schedule, stop everything when one process ends or on a signal."""
    profile = Profile(s)
    stopping = False

    def on_signal(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        purge(s, profile.python)
        profile.start()
        print(f"serve: REST on {profile.url}/webhooks/rest/webhook and socket.io on {profile.url} (nginx, "
              f"{len(s.rasa_ports)} Rasa processes), actions on {s.env['ACTION_SERVER_URL']} "
              f"({s.actions_workers} workers); logs in {s.run_dir}", flush=True)
        next_purge = time.monotonic() + s.purge_hours * 3600
        while not stopping:
            ended = [p for p in profile.processes() if p.poll() is not None]
            if ended:
                print(f"serve: {ended[0].args[0]} exited with {ended[0].returncode}; stopping the profile "
                      f"(logs in {s.run_dir})", file=sys.stderr)
                return 1
            if time.monotonic() >= next_purge:
                purge(s, profile.python)
                next_purge = time.monotonic() + s.purge_hours * 3600
            time.sleep(1)
        return 0
    except ProfileError as error:
        print(f"serve: {error}", file=sys.stderr)
        return 1
    finally:
        profile.stop()


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "serve"
    try:
        s = checked(os.environ)
    except ProfileError as error:
        print(f"serve: {error}", file=sys.stderr)
        return 2
    if command == "check":
        return 0
    if command == "nginx-config":
        print(nginx_config(s), end="")
        return 0
    if command == "serve":
        return serve(s)
    print(f"serve: unknown command {command!r} (check, nginx-config or serve)", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
