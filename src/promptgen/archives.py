"""Model files shipped as .npz archives: read from a given path or from inside the package."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt


def read_npz(path: Path | None, package: str, name: str) -> dict[str, npt.NDArray[Any]]:
    """Every array of the archive at ``path``, or of ``package``'s file ``name`` when None.

    Pickles are refused: a model file is data, never code.
    """
    if path is None:
        with resources.files(package).joinpath(name).open("rb") as handle:
            return dict(np.load(handle, allow_pickle=False))
    return dict(np.load(path, allow_pickle=False))
