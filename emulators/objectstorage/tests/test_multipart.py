"""Multipart uploads: the SDK's UploadManager, and each call of the API by hand."""

from __future__ import annotations

import base64
import hashlib
import io

import oci
import pytest
from oci.object_storage.models import (
    CommitMultipartUploadDetails,
    CommitMultipartUploadPartDetails,
    CreateMultipartUploadDetails,
)

from .conftest import BUCKET, NS

PART = 256 * 1024


def test_the_upload_manager_sends_a_large_object_in_parts(client, fresh):
    payload = bytes(range(256)) * 4096 + b"end"  # 1 MiB and 3 bytes: 5 parts of 256 KiB
    manager = oci.object_storage.UploadManager(client, allow_parallel_uploads=False)
    answer = manager.upload_stream(
        NS,
        BUCKET,
        "big.bin",
        io.BytesIO(payload),
        part_size=PART,
        content_type="application/pdf",
        cache_control="no-cache",
    )
    assert answer.headers["opc-multipart-md5"].endswith("-5")
    got = client.get_object(NS, BUCKET, "big.bin")
    assert got.data.content == payload
    assert got.headers["content-type"] == "application/pdf" and got.headers["cache-control"] == "no-cache"
    assert fresh.stats()["operations"]["UploadPart"] == 5
    assert client.list_multipart_uploads(NS, BUCKET).data == []


def test_the_upload_manager_uploads_a_file(client, tmp_path):
    path = tmp_path / "menu.pdf"
    path.write_bytes(b"%PDF" + b"p" * (3 * PART))
    manager = oci.object_storage.UploadManager(client, allow_parallel_uploads=False)
    manager.upload_file(NS, BUCKET, "menu.pdf", str(path), part_size=PART)
    assert client.get_object(NS, BUCKET, "menu.pdf").data.content == path.read_bytes()


def create(client, name="hand.bin", **kwargs):
    details = CreateMultipartUploadDetails(object=name, content_type="text/plain")
    return client.create_multipart_upload(NS, BUCKET, details, **kwargs).data


def upload_part(client, upload, number, data):
    md5 = base64.b64encode(hashlib.md5(data).digest()).decode()
    return client.upload_part(
        NS, BUCKET, upload.object, upload.upload_id, number, data, content_md5=md5
    ).headers


def test_each_call_by_hand(client):
    upload = create(client)
    assert [u.upload_id for u in client.list_multipart_uploads(NS, BUCKET).data] == [upload.upload_id]
    etags = {n: upload_part(client, upload, n, f"part {n};".encode())["etag"] for n in (2, 1, 3)}
    parts = client.list_multipart_upload_parts(NS, BUCKET, upload.object, upload.upload_id).data
    assert [p.part_number for p in parts] == [1, 2, 3] and all(p.size == 7 for p in parts)
    details = CommitMultipartUploadDetails(
        parts_to_commit=[CommitMultipartUploadPartDetails(part_num=n, etag=etags[n]) for n in (1, 2)],
        parts_to_exclude=[3],
    )
    client.commit_multipart_upload(NS, BUCKET, upload.object, upload.upload_id, details)
    got = client.get_object(NS, BUCKET, "hand.bin")
    assert got.data.content == b"part 1;part 2;" and got.headers["content-type"] == "text/plain"
    assert client.list_multipart_uploads(NS, BUCKET).data == []


def test_a_wrong_part_etag_is_refused_and_abort_removes_the_upload(client):
    upload = create(client)
    upload_part(client, upload, 1, b"one")
    details = CommitMultipartUploadDetails(
        parts_to_commit=[CommitMultipartUploadPartDetails(part_num=1, etag="not-the-etag")]
    )
    with pytest.raises(oci.exceptions.ServiceError) as caught:
        client.commit_multipart_upload(NS, BUCKET, upload.object, upload.upload_id, details)
    assert (caught.value.status, caught.value.code) == (400, "InvalidUploadPart")
    client.abort_multipart_upload(NS, BUCKET, upload.object, upload.upload_id)
    assert client.list_multipart_uploads(NS, BUCKET).data == []
    with pytest.raises(oci.exceptions.ServiceError) as caught:
        upload_part(client, upload, 2, b"two")
    assert caught.value.status == 404
    with pytest.raises(oci.exceptions.ServiceError):
        client.head_object(NS, BUCKET, "hand.bin")


def test_if_none_match_star_stops_an_upload_over_an_existing_object(client):
    client.put_object(NS, BUCKET, "taken.bin", b"first")
    with pytest.raises(oci.exceptions.ServiceError) as caught:
        create(client, "taken.bin", if_none_match="*")
    assert caught.value.status == 412
    assert client.get_object(NS, BUCKET, "taken.bin").data.content == b"first"
