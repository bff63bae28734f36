"""Copy the front-end files listed in vendor-assets.json from node_modules into static/vendor/."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


# Web fonts on another host (nhsuk-frontend declares Frutiger on assets.nhs.uk) would leak every visitor's
# address to that host. Drop such @font-face rules: the CSS falls back to the device's own fonts.
_REMOTE_FONT_FACE = re.compile(r"@font-face\s*\{[^}]*url\(\s*[\"']?https?://[^}]*\}")
_REMOTE_URL = re.compile(r"url\(\s*[\"']?(https?:)?//", re.I)


def make_local(css: str) -> str:
    return _REMOTE_FONT_FACE.sub("", css)


def main() -> int:
    spec = json.loads((ROOT / "vendor-assets.json").read_text())
    out_root = ROOT / "static" / "vendor"
    if out_root.exists():
        shutil.rmtree(out_root)
    copied = 0
    for name, entry in spec.items():
        if name.startswith("_"):
            continue
        src = ROOT / entry["from"]
        if not src.is_dir():
            print(f"vendor_assets: {src} is missing: run `npm ci` first", file=sys.stderr)
            return 1
        for pattern in entry["files"]:
            matches = [p for p in src.glob(pattern) if p.is_file()]
            if not matches:
                print(f"vendor_assets: nothing matches {entry['from']}/{pattern}", file=sys.stderr)
                return 1
            for path in matches:
                dest = out_root / name / path.relative_to(src)
                dest.parent.mkdir(parents=True, exist_ok=True)
                if path.suffix == ".css":
                    css = make_local(path.read_text(encoding="utf-8"))
                    if _REMOTE_URL.search(css):
                        print(f"vendor_assets: {path} loads something from another host", file=sys.stderr)
                        return 1
                    dest.write_text(css, encoding="utf-8")
                else:
                    shutil.copy2(path, dest)
                copied += 1
    print(f"vendor_assets: {copied} files in static/vendor/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
