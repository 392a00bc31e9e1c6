"""One contract for every storage the photos may live on: Django's FileSystemStorage and the OCI Object
Storage backend (ocipizza/storage.py) talking through the real oci SDK to the emulator in cloud mode.

A behaviour the app relies on that differs between them is a bug (the NoSQL contract suite's pattern).
"""

from __future__ import annotations

import datetime as dt
import threading
import urllib.request
from urllib.parse import urljoin

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage

BACKENDS = ["local", "oci"]


@pytest.fixture(params=BACKENDS)
def storage(request, tmp_path, oci_storage_options):
    if request.param == "local":
        return FileSystemStorage(location=tmp_path / "media", base_url="/media/")
    # Small parts, so the contract's large file goes up as a multipart upload.
    oci_storage_options.update({"MULTIPART_THRESHOLD": 512 * 1024, "PART_SIZE": 256 * 1024})
    return request.getfixturevalue("oci_storage")


def read(storage, name: str) -> bytes:
    with storage.open(name) as handle:
        return handle.read()


def test_what_is_saved_reads_back_the_same(storage):
    name = storage.save("menu/calabresa.jpg", ContentFile(b"\xff\xd8 calabresa"))
    assert name == "menu/calabresa.jpg"
    assert read(storage, name) == b"\xff\xd8 calabresa"
    assert storage.exists(name)
    assert storage.size(name) == len(b"\xff\xd8 calabresa")


def test_a_taken_name_is_never_overwritten(storage):
    first = storage.save("menu/a.txt", ContentFile(b"first"))
    second = storage.save("menu/a.txt", ContentFile(b"second"))
    assert first == "menu/a.txt" and second != first and second.startswith("menu/a_")
    assert read(storage, first) == b"first" and read(storage, second) == b"second"


def test_two_saves_of_one_name_at_once_keep_both(storage):
    names, errors = [], []

    def save(payload: bytes):
        try:
            names.append((storage.save("race.txt", ContentFile(payload)), payload))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=save, args=(f"copy {i}".encode(),)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len({name for name, _ in names}) == 4
    for name, payload in names:
        assert read(storage, name) == payload


def test_missing_files(storage):
    assert not storage.exists("menu/none.jpg")
    with pytest.raises(FileNotFoundError):
        storage.open("menu/none.jpg")
    with pytest.raises(FileNotFoundError):
        storage.size("menu/none.jpg")
    storage.delete("menu/none.jpg")  # deleting what is not there is no error


def test_delete_removes(storage):
    name = storage.save("menu/x.jpg", ContentFile(b"x"))
    storage.delete(name)
    assert not storage.exists(name)
    with pytest.raises(FileNotFoundError):
        storage.open(name)


def test_listdir_gives_folders_and_files_of_one_level(storage):
    for name in ("z.txt", "menu/a.jpg", "menu/b.jpg", "menu/2x/a.jpg", "other/c.txt"):
        storage.save(name, ContentFile(name.encode()))
    directories, files = storage.listdir("")
    assert sorted(directories) == ["menu", "other"] and files == ["z.txt"]
    directories, files = storage.listdir("menu")
    assert directories == ["2x"] and sorted(files) == ["a.jpg", "b.jpg"]
    assert storage.listdir("menu/2x") == ([], ["a.jpg"])
    with pytest.raises(FileNotFoundError):
        storage.listdir("nothing")


def test_a_listing_longer_than_a_page(storage):
    expected = [f"f{i:04d}.txt" for i in range(1005)]  # the service pages lists at 1000
    if storage.__class__.__name__ == "FileSystemStorage":
        folder = storage.path("many")
        import os

        os.makedirs(folder)
        for name in expected:
            with open(os.path.join(folder, name), "wb") as handle:
                handle.write(b".")
    else:
        client = storage.client()
        for name in expected:  # straight through the SDK: 1005 saves through Django would be slow
            client.put_object(storage.namespace, storage.bucket, f"many/{name}", b".")
    assert sorted(storage.listdir("many")[1]) == expected


def test_a_large_file_arrives_whole(storage, objectstorage_emulator):
    payload = bytes(range(256)) * 4 * 1024 + b"tail"  # 1 MiB and 4 bytes
    name = storage.save("big/menu.pdf", ContentFile(payload))
    assert storage.size(name) == len(payload)
    assert read(storage, name) == payload
    if storage.__class__.__name__ != "FileSystemStorage":
        operations = objectstorage_emulator.stats()["operations"]
        assert operations.get("UploadPart", 0) == -(-len(payload) // (256 * 1024))
        assert operations.get("CommitMultipartUpload") == 1


def test_urls_name_the_file_and_fetch_its_bytes(storage, live_server):
    name = storage.save("menu/pizza de atum.jpg", ContentFile(b"atum"))
    url = storage.url(name)
    assert url.endswith("/menu/pizza%20de%20atum.jpg")
    # A local URL is served by the app (SERVE_MEDIA), a bucket's by Object Storage itself.
    absolute = urljoin(live_server.url, url)
    if storage.__class__.__name__ == "FileSystemStorage":
        return  # this storage's location is not the app's MEDIA_ROOT; the app tests fetch local photos
    with urllib.request.urlopen(absolute, timeout=5) as response:
        assert response.read() == b"atum"
        assert response.headers["Content-Type"] == "image/jpeg"


def test_modified_time_is_an_aware_moment_of_the_save(storage):
    before = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    name = storage.save("t.txt", ContentFile(b"t"))
    modified = storage.get_modified_time(name)
    assert modified.tzinfo is not None
    assert before <= modified <= dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5)


def test_created_time_is_an_aware_moment(storage):
    name = storage.save("c.txt", ContentFile(b"c"))
    created = storage.get_created_time(name)
    assert created.tzinfo is not None and created <= dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5)
    with pytest.raises(FileNotFoundError):
        storage.get_created_time("missing.txt")
