"""The store (publish/store.py): entries come back only as they were written, by this machine's
builds; keys from the one fingerprint builder; pruning that spares what another build may use."""

from __future__ import annotations

import os
import time

import pytest

from publish.build.prepare import check_book
from publish.store import STALE_AFTER, Fingerprint, Store, store_key

KEY = b"k" * 32


def test_an_entry_comes_back_as_it_was_put(tmp_path):
    store = Store(tmp_path, KEY)
    store.put("chapter", "abc", b"<p>texte</p>")
    assert store.get("chapter", "abc") == b"<p>texte</p>"
    assert store.get("chapter", "absent") is None
    assert store.get("layout", "abc") is None, "kinds are apart"


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[:-3],  # cut short
        lambda data: data.replace(b"texte", b"TEXTE"),  # changed
        lambda data: data.partition(b"\n")[2],  # no header
        lambda data: b"",
    ],
    ids=["truncated", "changed", "headerless", "empty"],
)
def test_a_damaged_entry_is_not_returned(tmp_path, damage):
    store = Store(tmp_path, KEY)
    store.put("chapter", "abc", b"<p>texte</p>")
    path = store.path("chapter", "abc")
    path.write_bytes(damage(path.read_bytes()))
    assert store.get("chapter", "abc") is None


def test_an_entry_sealed_by_another_key_is_not_trusted(tmp_path):
    """A manuscript received with its .publish/ folder: its entries were sealed elsewhere."""
    Store(tmp_path, b"o" * 32).put("chapter", "abc", b'<p>x</p><script>alert("vol")</script>')
    assert Store(tmp_path, KEY).get("chapter", "abc") is None
    Store(tmp_path, KEY).put("chapter", "abc", b"<p>x</p>")  # made again, and now trusted
    assert Store(tmp_path, KEY).get("chapter", "abc") == b"<p>x</p>"


def test_a_forged_chapter_entry_never_reaches_the_book(make_book, tmp_path, monkeypatch):
    monkeypatch.setenv("PUBLISH_STORE_KEY", str(tmp_path / "ours.key"))
    folder = make_book({"01-a.md": "# A\n\nUn paragraphe sûr.\n"})
    honest = check_book(folder, cached=True)
    (entry,) = (folder / ".publish" / "cache" / "chapter").iterdir()
    forged = (
        entry.read_bytes().partition(b"\n")[2].replace(b"Un paragraphe s", b"<script>alert(1)</script>Un paragraphe s")
    )
    Store(folder / ".publish" / "cache", b"f" * 32).put("chapter", entry.name, forged)  # sealed with someone else's key
    again = check_book(folder, cached=True)
    assert "<script>" not in again.rendered[0].body
    assert again.rendered[0].body == honest.rendered[0].body


def test_the_store_key_is_made_once_and_kept_private(tmp_path, monkeypatch):
    monkeypatch.setenv("PUBLISH_STORE_KEY", str(tmp_path / "keys" / "store.key"))
    first = store_key()
    assert len(first) >= 32 and store_key() == first
    assert (tmp_path / "keys" / "store.key").stat().st_mode & 0o077 == 0, "readable by its owner only"


def test_pruning_spares_the_kept_and_the_recently_used(tmp_path):
    store = Store(tmp_path, KEY)
    for name in ("kept", "recent", "stale"):
        store.put("layout", name, name.encode())
    old = time.time() - STALE_AFTER - 60
    for name in ("kept", "stale"):
        os.utime(store.path("layout", name), (old, old))
    store.prune("layout", {"kept"})
    assert sorted(p.name for p in (tmp_path / "layout").iterdir()) == ["kept", "recent"]


def test_a_read_marks_the_entry_used(tmp_path):
    store = Store(tmp_path, KEY)
    store.put("layout", "a", b"x")
    old = time.time() - STALE_AFTER - 60
    os.utime(store.path("layout", "a"), (old, old))
    assert store.get("layout", "a") == b"x"
    store.prune("layout", set())
    assert store.get("layout", "a") == b"x", "another build just used it"


def test_fingerprints_tell_their_parts_apart(tmp_path):
    assert Fingerprint("k").text("a", "bc").key() != Fingerprint("k").text("ab", "c").key()
    assert Fingerprint("k").text("a", "x").key() != Fingerprint("j").text("a", "x").key()
    first, second = tmp_path / "1.txt", tmp_path / "2.txt"
    first.write_text("un", encoding="utf-8")
    second.write_text("deux", encoding="utf-8")
    assert Fingerprint("k").files([second, first]).key() == Fingerprint("k").files([first, second]).key()
    before = Fingerprint("k").file(first).key()
    first.write_text("Un", encoding="utf-8")
    assert Fingerprint("k").file(first).key() != before


@pytest.mark.slow
def test_a_shared_store_folder_serves_the_builds_of_several_manuscripts(make_book, tmp_path, monkeypatch):
    from publish.build.pipeline import BuildOptions, build

    shared = tmp_path / "shared-store"
    monkeypatch.setenv("PUBLISH_STORE", str(shared))
    monkeypatch.setenv("PUBLISH_STORE_KEY", str(tmp_path / "cluster.key"))
    first, second = make_book(name="un"), make_book(name="deux")
    for folder in (first, second):
        build(folder, folder / "output", BuildOptions(formats=("pdf",)))
        assert not (folder / ".publish" / "cache").exists(), "nothing kept beside the manuscript"
    assert len(list((shared / "chapter").iterdir())) == 2, "one converted chapter per manuscript"
    assert len(list((shared / "output").iterdir())) == 2
    again = build(first, first / "output", BuildOptions(formats=("pdf",)))
    assert [s.stage for s in again.stages] == ["cache"], "the shared record vouches for the output"


def test_the_store_never_follows_a_symbolic_link(tmp_path):
    """A manuscript received with `.publish/cache/chapter` linked to the reader's own files."""
    outside = tmp_path / "documents"
    outside.mkdir()
    (outside / "lettre.txt").write_text("ne pas effacer", encoding="utf-8")
    old = time.time() - 10 * STALE_AFTER
    os.utime(outside / "lettre.txt", (old, old))
    store = Store(tmp_path / "cache", KEY)
    store.root.mkdir()
    (store.root / "chapter").symlink_to(outside, target_is_directory=True)
    store.prune("chapter", set())
    assert store.put("chapter", "abc", b"x") is False
    assert store.get("chapter", "lettre") is None
    assert (outside / "lettre.txt").read_text(encoding="utf-8") == "ne pas effacer"
    assert sorted(p.name for p in outside.iterdir()) == ["lettre.txt"]


def test_an_entry_that_is_a_link_is_not_read(tmp_path):
    store = Store(tmp_path, KEY)
    store.put("chapter", "vrai", b"contenu")
    store.path("chapter", "lien").symlink_to(store.path("chapter", "vrai"))
    assert store.get("chapter", "vrai") == b"contenu"
    assert store.get("chapter", "lien") is None


@pytest.mark.parametrize("name", ["../x", "a/b", ".cache", "", "X"])
def test_entry_names_never_leave_their_folder(tmp_path, name):
    with pytest.raises(ValueError):
        Store(tmp_path, KEY).path("chapter", name)


def test_a_short_or_unreadable_named_key_is_an_error(tmp_path, monkeypatch):
    from publish.errors import PublishError

    short = tmp_path / "court.key"
    short.write_bytes(b"abc")
    monkeypatch.setenv("PUBLISH_STORE_KEY", str(short))
    with pytest.raises(PublishError, match="shorter than 32 bytes"):
        store_key()


def test_what_earlier_versions_kept_is_cleared(tmp_path):
    from publish.store import forget_legacy_entries

    cache = tmp_path / ".publish" / "cache"
    (cache / "chapters").mkdir(parents=True)
    (cache / "chapters" / "x.json").write_text("{}", encoding="utf-8")
    (cache / "outputs.json").write_text("{}", encoding="utf-8")
    (cache / "cover-abc.jpg").write_bytes(b"jpg")
    Store(cache, KEY).put("chapter", "abc", b"kept")
    forget_legacy_entries(tmp_path)
    assert sorted(p.name for p in cache.iterdir()) == ["chapter"]


def test_a_huge_sparse_file_is_fingerprinted_without_being_read(tmp_path):
    """A 100 GB sparse file travels in a few bytes of tar; reading it whole would exhaust memory."""
    import subprocess
    import sys

    huge = tmp_path / "images" / "notes.bin"
    huge.parent.mkdir()
    with open(huge, "wb") as handle:
        handle.truncate(100 * 2**30)
    script = (
        "import resource, sys\n"
        "from pathlib import Path\n"
        "from publish.store import Fingerprint\n"
        "resource.setrlimit(resource.RLIMIT_AS, (2 * 2**30, resource.RLIM_INFINITY))\n"
        "print(Fingerprint('test').file(Path(sys.argv[1])).key())\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(huge)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.strip()) == 40


@pytest.mark.slow
def test_a_store_that_cannot_be_made_costs_only_speed(make_book, tmp_path):
    """`.publish` a file, not a folder (a stray file, or sent so): the build is made, only nothing is kept."""
    from publish.build.pipeline import BuildOptions, build

    folder = make_book()
    (folder / ".publish").write_text("pas un dossier", encoding="utf-8")
    report = build(folder, tmp_path / "out", BuildOptions(formats=("epub",)))
    assert [o.path.suffix for o in report.outputs] == [".epub"]
    assert (folder / ".publish").read_text(encoding="utf-8") == "pas un dossier"
