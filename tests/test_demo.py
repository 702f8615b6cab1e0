"""The README's first command as a new user runs it (issue #20): `zhifa demo` in a fresh folder with no
ZHIFA_* variable exported prepares everything, brings up the API, the Dagster UI and Superset with the
logins it prints, and Ctrl-C stops every process it started."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from net_support import free_port

from dashboards.client import SupersetClient
from dashboards.service import SupersetSettings

ZHIFA = str(Path(sys.executable).parent / "zhifa")
STOP_WITHIN_S = 60


def _scrubbed_env() -> dict[str, str]:
    """The environment of a new user's shell: nothing of zhifa's exported."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZHIFA_", "DAGSTER_"))}
    env.pop("VIRTUAL_ENV", None)
    return env


def _descendants(root: int) -> set[int]:
    """Every process below ``root`` (read from /proc: no third-party library needed)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture(scope="module")
def fresh_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("new-user")


def test_demo_no_serve_prepares_everything_with_nothing_exported(fresh_home: Path) -> None:
    began = time.perf_counter()
    done = subprocess.run(
        [ZHIFA, "demo", "--no-serve"], cwd=fresh_home, env=_scrubbed_env(), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    home = fresh_home / "var"  # the default ZHIFA_HOME
    assert (home / "serve" / "warehouse.duckdb").exists()
    secrets = home / "secrets"
    assert secrets.stat().st_mode & 0o777 == 0o700
    for name in ("api-secret-key", "audit-key", "pseudonym-key", "superset-secret-key", "demo-password.txt"):
        assert (secrets / name).stat().st_mode & 0o777 == 0o600, name
    password = (secrets / "demo-password.txt").read_text().strip()
    assert password in done.stdout
    print(f"first prepare: {time.perf_counter() - began:.0f} s")


def test_demo_serves_every_service_with_the_printed_logins_and_stops_on_ctrl_c(fresh_home: Path) -> None:
    if not SupersetSettings().bin("superset").exists():
        pytest.skip("Superset venv absent: run make bootstrap")
    ports = {"api": free_port(), "dagster": free_port(), "superset": free_port()}
    began = time.perf_counter()
    proc = subprocess.Popen(
        [
            ZHIFA,
            "demo",
            "--api-port",
            str(ports["api"]),
            "--dagster-port",
            str(ports["dagster"]),
            "--superset-port",
            str(ports["superset"]),
        ],
        cwd=fresh_home,
        env=_scrubbed_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    started: set[int] = set()
    try:
        assert proc.stdout is not None
        output = ""
        for line in proc.stdout:
            output += line
            if "Ctrl-C" in line or "did not come up" in line:
                break
        assert "zhifa demo is up" in output, output
        found = re.search(r"password (\S+)", output)
        assert found, output
        password = found.group(1)
        ready_s = time.perf_counter() - began
        started = _descendants(proc.pid)

        api = f"http://127.0.0.1:{ports['api']}"
        login = {"username": "manager", "password": password}
        token = httpx.post(f"{api}/auth/token", data=login, timeout=30)
        assert token.status_code == 200, token.text
        me = httpx.get(f"{api}/auth/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"})
        assert me.status_code == 200 and me.json()["username"] == "manager"

        assert httpx.get(f"http://127.0.0.1:{ports['dagster']}/server_info", timeout=30).status_code == 200

        with SupersetClient(f"http://127.0.0.1:{ports['superset']}", "admin", password) as superset:
            results = superset.check_charts()
        assert results and all(r.error is None for r in results), [r.describe() for r in results]
        assert any(r.rows for r in results)
        print(f"second start (world reused) up in {ready_s:.0f} s")
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=STOP_WITHIN_S)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            pytest.fail("zhifa demo did not stop within a minute of Ctrl-C")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(p) for p in started):
        time.sleep(0.5)
    left = [p for p in started if _alive(p)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert proc.returncode == 0
    assert not left, f"processes still running after Ctrl-C: {left}"
