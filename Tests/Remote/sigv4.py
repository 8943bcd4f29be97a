"""AWS Signature Version 4 for S3 requests, in the Authorization header (the harness's own, small,
so that uploads and the tests' plain clients need no SDK).

The algorithm of AWS's "Authenticating Requests: Using the Authorization Header": a canonical
request (method, URI-encoded path, sorted query, the signed headers lower-cased and trimmed, the
payload's SHA-256), a string to sign over its hash and the credential scope, and an HMAC chain
from the secret through date, region, service and "aws4_request". S3 does not encode the path
twice, unlike the other services.

`test_sigv4.py` checks it against the GET example of AWS's S3 documentation.
"""

import datetime
import hashlib
import hmac
import urllib.parse

ALGORITHM = "AWS4-HMAC-SHA256"
EMPTY_PAYLOAD_SHA256 = hashlib.sha256(b"").hexdigest()


def _hmac(key, message):
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


def _encode(text, safe):
    # RFC 3986 unreserved characters stay; everything else is percent-encoded in upper case.
    return urllib.parse.quote(text, safe=safe + "-_.~")


def canonical_query(query):
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
    return "&".join(f"{_encode(name, '')}={_encode(value, '')}" for name, value in sorted(pairs))


def sign(method, url, headers, access_key_id, secret_access_key, region="us-east-1", service="s3",
         payload_sha256=EMPTY_PAYLOAD_SHA256, when=None, session_token=None):
    """The headers to send for `method url` with `headers`: the given ones plus host, x-amz-date,
    x-amz-content-sha256 (and x-amz-security-token with a session token) and Authorization.

    The Host signed is the URL's host:port, so a client must send the request to that authority
    (a proxy in between has to keep the Host header it received)."""
    parsed = urllib.parse.urlsplit(url)
    when = when or datetime.datetime.now(datetime.timezone.utc)
    amz_date = when.strftime("%Y%m%dT%H%M%SZ")
    date = amz_date[:8]
    signed = {name.lower(): " ".join(str(value).split()) for name, value in headers.items()}
    signed["host"] = parsed.netloc
    signed["x-amz-date"] = amz_date
    signed["x-amz-content-sha256"] = payload_sha256
    if session_token:
        signed["x-amz-security-token"] = session_token
    names = sorted(signed)
    canonical_request = "\n".join([
        method,
        _encode(urllib.parse.unquote(parsed.path) or "/", "/"),
        canonical_query(parsed.query),
        "".join(f"{name}:{signed[name]}\n" for name in names),
        ";".join(names),
        payload_sha256,
    ])
    scope = f"{date}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join([ALGORITHM, amz_date, scope,
                                hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()])
    key = _hmac(("AWS4" + secret_access_key).encode("utf-8"), date)
    for part in (region, service, "aws4_request"):
        key = _hmac(key, part)
    signature = hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    result = {name: value for name, value in headers.items() if name.lower() != "host"}
    result.update({
        "Host": signed["host"],
        "x-amz-date": amz_date,
        "x-amz-content-sha256": payload_sha256,
        "Authorization": f"{ALGORITHM} Credential={access_key_id}/{scope},SignedHeaders={';'.join(names)},"
                         f"Signature={signature}",
    })
    if session_token:
        result["x-amz-security-token"] = session_token
    return result
