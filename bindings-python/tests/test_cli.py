"""The ``open-connectors`` console script the package installs runs the Rust command
line (one implementation, through the native module)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import DEFAULT_ORGANIZATION_SECRET, DEFAULT_USER_SECRET, Sandbox


def test_console_script_runs_the_command_line(sb: Sandbox, tmp_path: Path) -> None:
    script = shutil.which("open-connectors", path=os.path.dirname(sys.executable))
    assert script is not None, "the package installs an open-connectors console script"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "OPEN_CONNECTORS_BASE_URL": sb.base_url,
        "OPEN_CONNECTORS_USER_SECRET": DEFAULT_USER_SECRET,
        "OPEN_CONNECTORS_ORGANIZATION_SECRET": DEFAULT_ORGANIZATION_SECRET,
        "OPEN_CONNECTORS_CONFIG": str(tmp_path / "config.toml"),
    }
    created = subprocess.run(
        [script, "instances", "create", "insightly", "--name", "from pip", "--tag", "py",
         "--config", "username=u", "--config", "password=p"],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert created.returncode == 0, created.stderr
    instance = json.loads(created.stdout)
    assert instance["name"] == "from pip"
    listed = subprocess.run(
        [script, "instances", "list", "--tag", "py"], env=env, capture_output=True, text=True, timeout=60
    )
    assert listed.returncode == 0, listed.stderr
    assert [i["id"] for i in json.loads(listed.stdout)] == [instance["id"]]
    missing = subprocess.run(
        [script, "instances", "get", "1"], env=env, capture_output=True, text=True, timeout=60
    )
    assert missing.returncode == 5
    assert missing.stderr.startswith("error[not_found]: ")
