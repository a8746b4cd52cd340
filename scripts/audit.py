"""`make audit`: known vulnerabilities of the pinned packages (requirements.lock), via pip-audit.

pip-audit asks PyPI's JSON API for each package's vulnerabilities. Where that API cannot be
reached (no network, a mirror that answers 404) pip-audit skips every package and still prints
"No known vulnerabilities found". So this script first asks the same API about a release with a
known advisory; unless the advisory comes back, it prints NOT CHECKED and exits 2. When the
database answers, pip-audit runs with --strict, so a package it cannot look up fails the audit
instead of being skipped. Exit status: 0 clean, 1 vulnerabilities or a failed audit, 2 not checked.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# requests 2.19.0 has PYSEC-2018-28 (CVE-2018-18074): a reachable database must report it.
PROBE = "https://pypi.org/pypi/requests/2.19.0/json"
NOT_CHECKED = 2


def database_answers(timeout: float = 15.0) -> str | None:
    """None when the vulnerability database answers with the probe's advisory, else why not."""
    try:
        with urllib.request.urlopen(PROBE, timeout=timeout) as response:  # a fixed https URL
            data = json.load(response)
    except (OSError, ValueError) as exc:
        return f"{PROBE}: {exc}"
    if not data.get("vulnerabilities"):
        return (
            f"{PROBE} answered without the advisory it has (a mirror without vulnerability data?)"
        )
    return None


def main() -> int:
    why = database_answers()
    if why is not None:
        print(
            "dependency audit NOT CHECKED: pip-audit's vulnerability database is not reachable "
            f"from here ({why}). Nothing was checked; this is not a pass.",
            file=sys.stderr,
        )
        return NOT_CHECKED
    command = [
        sys.executable,
        "-m",
        "pip_audit",
        "--strict",
        "--requirement",
        str(REPO / "requirements.lock"),
        "--no-deps",
        "--disable-pip",
        "--progress-spinner",
        "off",
    ]
    return 1 if subprocess.run(command, check=False).returncode else 0


if __name__ == "__main__":
    sys.exit(main())
