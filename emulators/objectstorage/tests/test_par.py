"""Pre-authenticated requests: created through the SDK, used by anyone holding the URL."""

from __future__ import annotations

import datetime as dt
import urllib.error
import urllib.request

import oci
import pytest
from oci.object_storage.models import CreatePreauthenticatedRequestDetails

from .conftest import BUCKET, NS


def par(client, access_type, object_name=None, hours=1, listing=None):
    details = CreatePreauthenticatedRequestDetails(
        name=f"test-{access_type}",
        access_type=access_type,
        object_name=object_name,
        bucket_listing_action=listing,
        time_expires=dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours),
    )
    return client.create_preauthenticated_request(NS, BUCKET, details).data


def http(url: str, method: str = "GET", data: bytes | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=data, method=method)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_an_object_par_reads_that_object_only(client, fresh):
    client.put_object(NS, BUCKET, "menu/a.jpg", b"a")
    client.put_object(NS, BUCKET, "menu/b.jpg", b"b")
    made = par(client, "ObjectRead", "menu/a.jpg")
    assert made.access_uri.endswith("/o/menu/a.jpg") and made.full_path == fresh.url + made.access_uri
    assert http(fresh.url + made.access_uri) == (200, b"a")
    assert http(fresh.url + made.access_uri.replace("a.jpg", "b.jpg"))[0] == 404
    assert http(fresh.url + made.access_uri, "PUT", b"overwrite")[0] == 404  # read-only
    assert http(fresh.url + made.access_uri.replace(made.access_uri.split("/")[2], "forged"))[0] == 404


def test_a_bucket_par_reads_any_object_and_lists_only_when_allowed(client, fresh):
    client.put_object(NS, BUCKET, "x.txt", b"x")
    reader = par(client, "AnyObjectRead", listing="Deny")
    assert http(fresh.url + reader.access_uri + "x.txt") == (200, b"x")
    assert http(fresh.url + reader.access_uri)[0] == 404
    lister = par(client, "AnyObjectRead", listing="ListObjects")
    status, body = http(fresh.url + lister.access_uri)
    assert status == 200 and b'"x.txt"' in body


def test_a_write_par_stores_an_object(client, fresh):
    writer = par(client, "ObjectWrite", "upload/from-phone.jpg")
    assert http(fresh.url + writer.access_uri, "PUT", b"phone")[0] == 200
    assert client.get_object(NS, BUCKET, "upload/from-phone.jpg").data.content == b"phone"
    assert http(fresh.url + writer.access_uri)[0] == 404  # write-only


def test_listing_getting_and_deleting_pars(client, fresh):
    made = par(client, "ObjectRead", "menu/a.jpg")
    client.put_object(NS, BUCKET, "menu/a.jpg", b"a")
    listed = client.list_preauthenticated_requests(NS, BUCKET).data
    assert [p.id for p in listed] == [made.id]
    assert client.get_preauthenticated_request(NS, BUCKET, made.id).data.object_name == "menu/a.jpg"
    client.delete_preauthenticated_request(NS, BUCKET, made.id)
    assert http(fresh.url + made.access_uri)[0] == 404
    with pytest.raises(oci.exceptions.ServiceError) as caught:
        client.get_preauthenticated_request(NS, BUCKET, made.id)
    assert caught.value.status == 404


def test_an_expiry_in_the_past_or_a_missing_object_name_is_refused(client):
    with pytest.raises(oci.exceptions.ServiceError) as caught:
        par(client, "ObjectRead", "menu/a.jpg", hours=-1)
    assert caught.value.status == 400
    with pytest.raises(oci.exceptions.ServiceError) as caught:
        par(client, "ObjectRead")
    assert caught.value.code == "MissingParameter"
