"""The wheel holds what an installed salesplan needs: every text source of templates/."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def source_copy(to: Path) -> Path:
    """The project's own files (what a clean clone holds), so a build starts from nothing."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True
    )
    assert listed.returncode == 0, listed.stderr
    for name in listed.stdout.splitlines():
        if (ROOT / name).is_file():
            (to / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, to / name)
    return to


def test_a_wheel_install_carries_every_template_and_runs_the_demo(tmp_path):
    source = source_copy(tmp_path / "source")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(source), "-w", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("salesplan-*.whl")
    sources = {
        "xl_addin/templates/" + p.relative_to(ROOT / "templates").as_posix()
        for p in (ROOT / "templates").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    code = {  # every module of the two packages, sub-packages (the wings) included
        p.relative_to(ROOT).as_posix()
        for folder in ("engine", "xl_addin")
        for p in (ROOT / folder).rglob("*.py")
    }
    with zipfile.ZipFile(wheel) as z:
        assert sources - set(z.namelist()) == set()
        assert code - set(z.namelist()) == set()

    target = tmp_path / "site"
    installed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        capture_output=True,
        text=True,
    )
    assert installed.returncode == 0, installed.stderr
    run = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import xl_addin; assert xl_addin.__file__.startswith(sys.argv[1]), xl_addin.__file__;"
        "from xl_addin.cli import main; code = main(['demo', sys.argv[2]]);"
        "elsewhere = [m for m, x in list(sys.modules.items()) if m.split('.')[0] in"
        " ('engine', 'xl_addin') and getattr(x, '__file__', None)"
        " and not x.__file__.startswith(sys.argv[1])];"
        "assert not elsewhere, elsewhere; sys.exit(code)"
    )
    demo = tmp_path / "demo"
    done = subprocess.run(
        [sys.executable, "-c", run, str(target), str(demo)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "最大差额 0" in done.stdout
    assert len(list((demo / "workbooks" / "outbox").glob("*.eml"))) == 28
    assert (demo / "salesplan.xlam").is_file() and (demo / "plan.xlsm").is_file()
