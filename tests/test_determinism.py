"""Same manuscript, same bytes: every format, from two folders, with and without SOURCE_DATE_EPOCH."""

from __future__ import annotations

import shutil
import zipfile

import pytest

from publish.build.pipeline import FORMATS, BuildOptions, build
from tests.builds import FIXTURES

ALL = BuildOptions(formats=FORMATS, qr=True, notes_margin=True)


def _build_copy(source, where, options=ALL):
    manuscript = where / "livre"
    shutil.copytree(source, manuscript)
    return manuscript, build(manuscript, where / "out", options)


@pytest.mark.slow
@pytest.mark.parametrize("epoch", [None, "1700000000"], ids=["book-date", "source-date-epoch"])
def test_every_format_is_byte_identical_across_folders(tmp_path, monkeypatch, epoch):
    if epoch:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    else:
        monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first_folder, first = _build_copy(FIXTURES / "two-authors", tmp_path / "un")
    _second_folder, second = _build_copy(FIXTURES / "two-authors", tmp_path / "deux-plus-long")
    assert [o.format for o in first.outputs] == list(FORMATS)
    for one, two in zip(first.outputs, second.outputs, strict=True):
        data = one.path.read_bytes()
        assert data == two.path.read_bytes(), one.format
        assert str(first_folder).encode() not in data, f"{one.format} leaks the build folder"


@pytest.mark.slow
def test_source_date_epoch_sets_the_epub_modification_date(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14T22:13:20Z
    _, report = _build_copy(FIXTURES / "two-authors", tmp_path, BuildOptions(formats=("epub",)))
    with zipfile.ZipFile(report.outputs[0].path) as archive:
        opf = archive.read("EPUB/content.opf").decode("utf-8")
        assert all(info.date_time == (2023, 11, 14, 22, 13, 20) for info in archive.infolist())
    assert '<meta property="dcterms:modified">2023-11-14T22:13:20Z</meta>' in opf
