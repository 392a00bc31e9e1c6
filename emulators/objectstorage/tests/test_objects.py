"""Objects, buckets and listings as the SDK's ObjectStorageClient sees them."""

from __future__ import annotations

import base64
import hashlib

import oci
import pytest

from .conftest import BUCKET, NS


def service_error(call) -> oci.exceptions.ServiceError:
    with pytest.raises(oci.exceptions.ServiceError) as caught:
        call()
    return caught.value


def test_the_namespace(client):
    assert client.get_namespace().data == NS
    assert service_error(lambda: client.get_bucket("someone-else", BUCKET)).code == "NamespaceNotFound"


def test_put_get_head_delete_with_metadata(client):
    put = client.put_object(
        NS,
        BUCKET,
        "menu/calabresa.jpg",
        b"\xff\xd8jpeg",
        content_type="image/jpeg",
        cache_control="public, max-age=60",
        opc_meta={"origem": "cozinha"},
    )
    etag = put.headers["etag"]
    assert put.headers["opc-content-md5"] == base64.b64encode(hashlib.md5(b"\xff\xd8jpeg").digest()).decode()
    got = client.get_object(NS, BUCKET, "menu/calabresa.jpg")
    assert got.data.content == b"\xff\xd8jpeg"
    assert got.headers["etag"] == etag
    assert got.headers["content-type"] == "image/jpeg"
    assert got.headers["cache-control"] == "public, max-age=60"
    assert got.headers["opc-meta-origem"] == "cozinha"
    assert got.headers["opc-request-id"]
    head = client.head_object(NS, BUCKET, "menu/calabresa.jpg")
    assert head.headers["content-length"] == "6" and head.headers["last-modified"]
    assert client.delete_object(NS, BUCKET, "menu/calabresa.jpg").status == 204
    error = service_error(lambda: client.get_object(NS, BUCKET, "menu/calabresa.jpg"))
    assert (error.status, error.code) == (404, "ObjectNotFound")
    assert service_error(lambda: client.head_object(NS, BUCKET, "menu/calabresa.jpg")).status == 404


def test_names_with_spaces_accents_and_slashes_round_trip(client):
    for name in ("a b/c d.txt", "pão de queijo.txt", "x/y/z/..txt", "100%.txt"):
        client.put_object(NS, BUCKET, name, name.encode())
        assert client.get_object(NS, BUCKET, name).data.content == name.encode()
    listed = [o.name for o in client.list_objects(NS, BUCKET).data.objects]
    assert sorted(listed) == sorted(["a b/c d.txt", "pão de queijo.txt", "x/y/z/..txt", "100%.txt"])


def test_the_client_request_id_is_echoed(client):
    answer = client.get_namespace(opc_client_request_id="pedido-42")
    assert answer.headers["opc-client-request-id"] == "pedido-42"


def test_etags_and_conditions(client):
    first = client.put_object(NS, BUCKET, "o", b"1").headers["etag"]
    second = client.put_object(NS, BUCKET, "o", b"2", if_match=first).headers["etag"]
    assert second != first
    error = service_error(lambda: client.put_object(NS, BUCKET, "o", b"3", if_match=first))
    assert (error.status, error.code) == (412, "IfMatchFailed")
    error = service_error(lambda: client.put_object(NS, BUCKET, "o", b"3", if_none_match="*"))
    assert (error.status, error.code) == (412, "IfNoneMatchFailed")
    assert client.put_object(NS, BUCKET, "new", b"n", if_none_match="*").status == 200
    assert service_error(lambda: client.delete_object(NS, BUCKET, "o", if_match=first)).status == 412
    assert service_error(lambda: client.get_object(NS, BUCKET, "o", if_match=first)).status == 412
    # Not modified: the SDK reports the 304 as an error without a body, as the service answers it.
    assert service_error(lambda: client.get_object(NS, BUCKET, "o", if_none_match=second)).status == 304
    assert client.get_object(NS, BUCKET, "o", if_none_match=first).data.content == b"2"
    assert client.delete_object(NS, BUCKET, "o", if_match=second).status == 204


def test_a_body_that_does_not_match_its_md5_is_refused(client):
    wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    error = service_error(lambda: client.put_object(NS, BUCKET, "m", b"body", content_md5=wrong))
    assert (error.status, error.code) == (400, "UnmatchedContentMD5")
    assert service_error(lambda: client.head_object(NS, BUCKET, "m")).status == 404


def test_byte_ranges(client):
    client.put_object(NS, BUCKET, "r", b"0123456789")
    part = client.get_object(NS, BUCKET, "r", range="bytes=2-5")
    assert part.status == 206 and part.data.content == b"2345"
    assert part.headers["content-range"] == "bytes 2-5/10"
    assert client.get_object(NS, BUCKET, "r", range="bytes=-3").data.content == b"789"
    assert service_error(lambda: client.get_object(NS, BUCKET, "r", range="bytes=20-30")).status == 416


def test_listing_with_prefix_delimiter_fields_and_pages(client):
    names = [f"menu/{i:03d}.jpg" for i in range(25)] + ["menu/2x/a.jpg", "docs/a.pdf", "z.txt"]
    for name in names:
        client.put_object(NS, BUCKET, name, b"x" * 3)
    top = client.list_objects(NS, BUCKET, delimiter="/").data
    assert [o.name for o in top.objects] == ["z.txt"] and top.prefixes == ["docs/", "menu/"]
    seen, start, pages = [], None, 0
    while True:
        extra = {"start": start} if start else {}
        page = client.list_objects(
            NS, BUCKET, prefix="menu/", delimiter="/", limit=10, fields="name,size,etag,md5", **extra
        ).data
        pages += 1
        seen += [o.name for o in page.objects] + page.prefixes
        assert all(o.size == 3 and o.etag and o.md5 for o in page.objects)
        if not page.next_start_with:
            break
        start = page.next_start_with
    assert pages == 3
    assert sorted(seen) == sorted(
        [n for n in names if n.startswith("menu/") and "/2x/" not in n] + ["menu/2x/"]
    )
    bare = client.list_objects(NS, BUCKET, prefix="docs/").data.objects[0]
    assert bare.name == "docs/a.pdf" and bare.size is None  # only names unless fields asks for more
    ranged = client.list_objects(NS, BUCKET, start="menu/010.jpg", end="menu/013.jpg").data.objects
    assert [o.name for o in ranged] == ["menu/010.jpg", "menu/011.jpg", "menu/012.jpg"]
    assert service_error(lambda: client.list_objects(NS, BUCKET, fields="colour")).status == 400


def test_buckets(client):
    compartment = "ocid1.compartment.oc1..pizzaria"
    details = oci.object_storage.models.CreateBucketDetails(
        name="extra", compartment_id=compartment, public_access_type="ObjectRead"
    )
    made = client.create_bucket(NS, details).data
    assert made.name == "extra" and made.public_access_type == "ObjectRead"
    assert client.get_bucket(NS, "extra").data.compartment_id == compartment
    assert {b.name for b in client.list_buckets(NS, compartment).data} >= {"extra", BUCKET}
    assert service_error(lambda: client.create_bucket(NS, details)).code == "BucketAlreadyExists"
    client.put_object(NS, "extra", "o", b"o")
    assert service_error(lambda: client.delete_bucket(NS, "extra")).code == "BucketNotEmpty"
    client.delete_object(NS, "extra", "o")
    client.delete_bucket(NS, "extra")
    assert service_error(lambda: client.get_bucket(NS, "extra")).code == "BucketNotFound"
    assert service_error(lambda: client.put_object(NS, "extra", "o", b"o")).code == "BucketNotFound"
