"""Write the server's OpenAPI document (sorted, indented JSON) for the web client's types.

Usage: python scripts/export_openapi.py [OUT]   (default: web/openapi.json; `make types` runs it)
Needs no Library, database or models: the app is built without its engine.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from promptgen.server.openapi import openapi_json

OUT = Path(__file__).resolve().parent.parent / "web" / "openapi.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path, nargs="?", default=OUT)
    args = parser.parse_args()
    args.out.write_text(openapi_json(), encoding="utf-8")


if __name__ == "__main__":
    main()
