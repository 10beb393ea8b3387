"""Debian's nginx with its stream module for the tests: installed if missing, never skipped.

Like tests/postgres.py starts PostgreSQL, the test setup installs what the load-balancer
tests need (``apt-get install nginx libnginx-mod-stream``, as root or with ``sudo -n``);
if it still is not there, the tests fail and say what to install.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from statelink.balancer import nginx_program
from statelink.errors import ServiceFailed

PACKAGES = ("nginx", "libnginx-mod-stream")


def _install() -> str:
    """Install the packages; what apt-get said last."""
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [*sudo, "apt-get", "install", "-y", "-q", *PACKAGES]
    done = subprocess.run(install, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        subprocess.run([*sudo, "apt-get", "update", "-q"], env=env, capture_output=True)
        done = subprocess.run(install, env=env, capture_output=True, text=True, check=False)
    return (done.stderr or done.stdout).strip()[-300:]


def require_nginx() -> str:
    """The nginx program, with its stream module; installed first if missing."""
    try:
        return nginx_program()
    except ServiceFailed:
        said = _install()
    try:
        return nginx_program()
    except ServiceFailed as e:
        pytest.fail(f"{e} (the test setup tried and apt-get said: {said})")
