"""Model files shipped as .npz archives: read from a given path or from inside the package."""

from __future__ import annotations

import io
import json
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from promptgen import models
from promptgen.errors import PromptGenError


def read_npz(
    path: Path | None, model: str, name: str, error: type[PromptGenError]
) -> dict[str, npt.NDArray[Any]]:
    """Every array of the archive at ``path``, or, when None, of the shipped file ``name`` of
    ``promptgen/models/<model>/`` once it matches its manifest (``error`` when it does not).

    Pickles are refused: a model file is data, never code.
    """
    if path is None:
        return dict(np.load(io.BytesIO(models.read(model, name, error)), allow_pickle=False))
    return dict(np.load(path, allow_pickle=False))


def write_npz(path: Path, metadata: dict[str, Any], **arrays: npt.NDArray[Any]) -> None:
    """Write ``arrays`` and the JSON ``metadata`` as a compressed .npz at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    contents: dict[str, Any] = {
        **arrays,
        "metadata": np.array(json.dumps(metadata, sort_keys=True)),
    }
    with path.open("wb") as handle:
        np.savez_compressed(handle, **contents)


@contextmanager
def loading(
    model: str, path: Path | None, shipped: str, rebuild: str, error: type[PromptGenError]
) -> Iterator[None]:
    """Turn a missing, unreadable or incomplete model file into ``error`` naming the fix
    (``shipped``: the shipped file's path under promptgen/, e.g. ``models/intent/model.npz``)."""
    try:
        yield
    # zlib.error: a damaged compressed member (neither an OSError nor a ValueError).
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        where = path or f"the package's {shipped}"
        raise error(
            f"cannot load the {model} from {where}: {exc}; "
            f"reinstall PromptGen or rebuild it with `{rebuild}`"
        ) from exc
