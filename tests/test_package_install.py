"""The package installs whole: every module folder is a package, migrations ship as package data."""

import subprocess
import sys
import zipfile

from geo_service.config import PROJECT_ROOT


def test_every_code_folder_is_a_package():
    pkg = PROJECT_ROOT / "geo_service"
    missing = [
        str(d.relative_to(PROJECT_ROOT))
        for d in pkg.rglob("*")
        if d.is_dir() and d.name != "__pycache__" and any(d.glob("*.py")) and not (d / "__init__.py").exists()
    ]
    assert missing == []


def test_wheel_contains_every_module_and_migration(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), "."],
        cwd=PROJECT_ROOT,
        check=True,
    )
    wheel = next(tmp_path.glob("geo_service-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in (PROJECT_ROOT / "geo_service").rglob("*"):
        if path.suffix in (".py", ".sql") and "__pycache__" not in path.parts:
            assert str(path.relative_to(PROJECT_ROOT)) in names, path
