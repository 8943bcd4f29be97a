"""The harness's SigV4 signer against AWS's published example, and against SeaweedFS."""

import datetime

import requests

import sigv4


def test_signer_reproduces_the_get_object_example_of_the_s3_documentation():
    # "Example: GET Object" of AWS's "Signature Calculations for the Authorization Header".
    headers = sigv4.sign("GET", "https://examplebucket.s3.amazonaws.com/test.txt", {"Range": "bytes=0-9"},
                         "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                         when=datetime.datetime(2013, 5, 24, tzinfo=datetime.timezone.utc))
    assert headers["Authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")


def test_seaweedfs_accepts_a_signed_range_read_and_serves_the_uploaded_bytes(seaweed):
    key = "fixtures/sample.nwb"
    response = seaweed.server.signed("GET", seaweed.server.object_url(key), {"Range": "bytes=100-4195"})
    assert response.status_code == 206
    assert response.content == seaweed.local(key).read_bytes()[100:4196]


def test_seaweedfs_refuses_a_wrong_secret_and_an_unsigned_upload(seaweed):
    server = seaweed.server
    wrong = server.signed("GET", server.object_url("fixtures/sample.nwb"), secret="not-the-secret")
    assert wrong.status_code == 403 and b"SignatureDoesNotMatch" in wrong.content
    unsigned = requests.put(server.object_url("scratch/unsigned.bin"), data=b"x", timeout=10)
    assert unsigned.status_code == 403


def test_the_anonymous_http_url_serves_ranges_and_etags_without_credentials(seaweed):
    key = "fixtures/sample_latest.nwb"
    response = requests.get(seaweed.server.http_url(key), headers={"Range": "bytes=-512"}, timeout=10)
    assert response.status_code == 206
    assert response.content == seaweed.local(key).read_bytes()[-512:]
    assert response.headers["ETag"]
    mismatched = requests.get(seaweed.server.http_url(key), headers={"Range": "bytes=0-7", "If-Match": '"stale"'},
                              timeout=10)
    assert mismatched.status_code == 412
