"""Build hook: a wheel (``pip install .``, the Docker image) carries the page templates and static files.

They live at the top of the repository (``templates/``, ``static/``; ``static/vendor`` is filled from npm by
``scripts/vendor_assets.py``) and an editable install reads them there; a built package has no repository
beside it, so they are copied into ``geo_service/_site/`` of the build, where :func:`geo_service.config.site_root`
finds them. Everything else is declared in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildWithSite(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads templates/ and static/ from the checkout
        site = Path(self.build_lib) / "geo_service" / "_site"
        for name in ("templates", "static"):
            if (ROOT / name).is_dir():
                shutil.copytree(
                    ROOT / name, site / name, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".installed")
                )


setup(cmdclass={"build_py": BuildWithSite})
