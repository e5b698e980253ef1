"""Outputs written through a temporary file then a rename: a failed or killed build leaves the old file."""

from __future__ import annotations

import errno
import os
import shutil
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
    not the author's mistake); either way the other formats are still made. An OSError about
    a file outside the output folder is the system's only when the system is at fault (full,
    read-only, out of file handles, failing): otherwise a writer opened a file that is not there.
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
        written = _size(Path(temporary))
        Path(temporary).unlink(missing_ok=True)
        if error.errno in _DISK_FULL:
            raise _disk_full(path, error, written) from None
        if error.errno in _SYSTEM or _names_a_file_in(error, path.parent):
            raise PublishError(
                f"could not write {path.name}: {error.strerror or error}",
                path=path,
                hint="earlier outputs are untouched; run with --format to retry this one",
            ) from None
        raise _bug(path, error) from error  # a file of ours that is not there, or not what we thought
    except Exception as error:
        Path(temporary).unlink(missing_ok=True)
        raise _bug(path, error) from error
    except BaseException:  # interrupted (Ctrl-C, SIGTERM): leave nothing half-written
        Path(temporary).unlink(missing_ok=True)
        raise
    return result


# The disk (or the quota, or the file size limit) cannot take the output: the author frees
# space, nothing in the manuscript is wrong.
_DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
_FULL_REASONS = {
    errno.EDQUOT: "the disk quota is used up",
    errno.EFBIG: "the file is larger than the disk, or this process's file size limit (ulimit -f), allows",
}
# The system refuses whatever the file: not a bug of ours either.
_SYSTEM = frozenset({errno.EACCES, errno.EPERM, errno.EROFS, errno.EIO, errno.EMFILE, errno.ENFILE})


def _disk_full(path: Path, error: OSError, written: int) -> PublishError:
    """Which output, how much of it was written and how much room is left, when that is known."""
    where = Path(os.fsdecode(error.filename)).parent if isinstance(error.filename, (str, bytes)) else path.parent
    while not where.is_dir() and where != where.parent:  # a scratch folder, removed since
        where = where.parent
    facts = [f"{_amount(written)} of it written"] if written else []
    previous = _size(path)
    if previous:
        facts.append(f"the last one made was {_amount(previous)}")
    try:
        facts.append(f"{_amount(shutil.disk_usage(where).free)} free in {where}")
    except OSError:
        pass
    detail = f" ({'; '.join(facts)})" if facts else ""
    return PublishError(
        f"{_FULL_REASONS.get(error.errno or 0, 'the disk is full')}: could not write {path.name}{detail}",
        path=path,
        hint="free some space (or choose another --out folder) and build again; earlier outputs are untouched",
    )


def _names_a_file_in(error: OSError, folder: Path) -> bool:
    names = [n for n in (error.filename, error.filename2) if isinstance(n, (str, bytes))]
    return any(Path(os.fsdecode(n)).absolute().is_relative_to(folder.absolute()) for n in names)


def _bug(path: Path, error: BaseException) -> InternalError:
    return InternalError(f"{path.name}: {type(error).__name__}: {error}", "".join(traceback.format_exception(error)))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _amount(size: int) -> str:
    if size < 1024:
        return f"{size:,} bytes"
    value, unit = size / 1024, "KiB"
    for larger in ("MiB", "GiB"):
        if value < 1024:
            break
        value, unit = value / 1024, larger
    return f"{value:,.1f} {unit}"
