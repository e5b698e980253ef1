"""Outputs written through a temporary file then a rename: a failed or killed build leaves the old file."""

from __future__ import annotations

import os
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path

from publish.build.outputs import Written
from publish.errors import InternalError, PublishError


def write_atomically(path: Path, write: Callable[[Path], Written], strict: bool = False) -> Written:
    """Write to a temporary file beside ``path``, then rename: a failed build leaves the old file.

    With ``strict``, an output whose writer warned (CSS WeasyPrint ignored, a blurry
    image) is not kept: the warnings become the error.

    A failure of the system (a full disk, a file in the way) becomes an error naming the
    output, and so does any other failure of the writer, as an InternalError (a bug of ours,
    not the author's mistake); either way the other formats are still made.
    """
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as error:
        raise PublishError(
            f"cannot write {path.name}: {error.strerror}",
            path=path.parent,
            hint="choose another --out folder, or make this one writable",
        ) from None
    os.close(handle)
    try:
        result = write(Path(temporary))
        if strict and result.warnings:
            raise PublishError(
                f"{path.name} not written: --strict and {len(result.warnings)} warning(s): "
                + "; ".join(result.warnings),
                path=path,
            )
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except PublishError:
        Path(temporary).unlink(missing_ok=True)
        raise
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        reason = error.strerror or f"{type(error).__name__}: {error}"
        raise PublishError(
            f"could not write {path.name}: {reason}",
            path=path,
            hint="earlier outputs are untouched; run with --format to retry this one",
        ) from None
    except Exception as error:
        Path(temporary).unlink(missing_ok=True)
        raise InternalError(
            f"{path.name}: {type(error).__name__}: {error}", "".join(traceback.format_exception(error))
        ) from error
    except BaseException:  # interrupted (Ctrl-C, SIGTERM): leave nothing half-written
        Path(temporary).unlink(missing_ok=True)
        raise
    return result
