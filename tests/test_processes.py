"""A service process: started with its program and arguments, its output in its log."""

from __future__ import annotations

from pathlib import Path

from statelink.processes import Service


def test_a_service_runs_statelink_by_default(tmp_path: Path) -> None:
    service = Service("cli", "", ["--help"], tmp_path / "cli.log")
    service.start({})
    assert service.process is not None
    assert service.process.wait(60) == 0
    assert "statelink" in (tmp_path / "cli.log").read_text()


def test_a_service_runs_another_program_with_the_same_arguments(tmp_path: Path) -> None:
    script = tmp_path / "baseline.py"
    script.write_text("import sys; print('baseline', sys.argv[1:])")
    service = Service("node", "", ["serve", "node"], tmp_path / "node.log", program=(str(script),))
    service.start({})
    assert service.process is not None
    assert service.process.wait(60) == 0
    assert (tmp_path / "node.log").read_text().strip() == "baseline ['serve', 'node']"
