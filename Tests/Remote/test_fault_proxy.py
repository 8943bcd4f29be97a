"""Each fault the proxy injects, as a plain HTTP client (requests over urllib3) observes it, and the
proxy's promises: signed requests pass untouched, scenarios repeat, latency is added, requests
and bytes are counted."""

import concurrent.futures
import datetime
import email.utils
import statistics
import time

import pytest
import requests
import urllib3

from fault_proxy import ConnectBlackHole, Fault, Scenario

KEY = "fixtures/sample.nwb"
RANGE = (1000, 9191)  # inclusive, as HTTP writes it
RANGE_HEADER = {"Range": f"bytes={RANGE[0]}-{RANGE[1]}"}


@pytest.fixture
def through(seaweed, proxy):
    """The anonymous URL of KEY through the proxy, and the bytes the range should bring."""
    proxy.reset_statistics()
    expected = seaweed.local(KEY).read_bytes()[RANGE[0]:RANGE[1] + 1]
    return seaweed.server.http_url(KEY, proxy.address), expected


def plain_get(url, timeout=5, **headers):
    return requests.get(url, headers={**RANGE_HEADER, **headers}, timeout=timeout)


def retrying_session(total, statuses=(408, 429, 500, 502, 503, 504)):
    session = requests.Session()
    retry = urllib3.Retry(total=total, backoff_factor=0, status_forcelist=statuses, allowed_methods=None,
                          respect_retry_after_header=False)
    session.mount("http://", requests.adapters.HTTPAdapter(max_retries=retry))
    return session


def test_a_503_burst_of_two_is_followed_by_the_right_bytes(through, proxy):
    url, expected = through
    with proxy.using(Scenario.each_request([Fault.error(503)] * 2)):
        response = retrying_session(total=3).get(url, headers=RANGE_HEADER, timeout=5)
    assert response.status_code == 206 and response.content == expected
    assert proxy.statistics()["statuses"] == {503: 2, 206: 1}


def test_a_503_burst_longer_than_the_retry_budget_reaches_the_client(through, proxy):
    url, _ = through
    with proxy.using(Scenario.each_request([Fault.error(503)] * 5)):
        with pytest.raises(requests.exceptions.RetryError):
            retrying_session(total=2).get(url, headers=RANGE_HEADER, timeout=5)
    assert proxy.statistics()["statuses"] == {503: 3}


@pytest.mark.parametrize("status, code", [(500, "InternalError"), (502, "BadGateway"), (504, "GatewayTimeout"),
                                          (429, "TooManyRequests"), (408, "RequestTimeout")])
def test_an_error_status_carries_s3s_xml_and_the_next_attempt_succeeds(through, proxy, status, code):
    url, expected = through
    with proxy.using(Scenario.each_request([Fault.error(status)])):
        first = plain_get(url)
        second = plain_get(url)
    assert first.status_code == status
    assert first.headers["Content-Type"] == "application/xml"
    assert f"<Code>{code}</Code>".encode() in first.content
    assert second.status_code == 206 and second.content == expected


def test_slow_down_is_a_503_with_code_slowdown(through, proxy):
    url, _ = through
    with proxy.using(Scenario.sequence([Fault.slow_down()])):
        response = plain_get(url)
    assert response.status_code == 503 and b"<Code>SlowDown</Code>" in response.content


@pytest.mark.parametrize("fault", [Fault.reset(), Fault.truncate()], ids=["reset", "truncate"])
def test_a_body_cut_short_is_an_error_for_the_client_never_short_data(through, proxy, fault):
    url, expected = through
    with proxy.using(Scenario.sequence([fault])):
        with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)):
            plain_get(url)
        after = plain_get(url)
    assert after.content == expected
    assert proxy.statistics()["bytes"] == len(expected) // 2 + len(expected)


def test_a_truncated_body_keeps_its_full_content_length(through, proxy):
    url, expected = through
    with proxy.using(Scenario.sequence([Fault.truncate()])):
        response = requests.get(url, headers=RANGE_HEADER, timeout=5, stream=True)
        assert int(response.headers["Content-Length"]) == len(expected)
        received = bytearray()
        with pytest.raises(urllib3.exceptions.ProtocolError):
            for block in response.raw.stream(1024, decode_content=False):
                received += block
    assert bytes(received) == expected[:len(expected) // 2]


@pytest.mark.parametrize("fault", [Fault.stall(seconds=30), Fault.hang(seconds=30)], ids=["stall", "hang"])
def test_a_stalled_stream_or_unanswered_request_ends_in_the_clients_read_timeout(through, proxy, fault):
    url, _ = through
    with proxy.using(Scenario.sequence([fault])):
        started = time.monotonic()
        with pytest.raises((requests.exceptions.ConnectionError, requests.exceptions.Timeout)):
            plain_get(url, timeout=(2, 0.5))
        assert time.monotonic() - started < 5


def test_a_range_request_can_get_a_200_with_the_whole_object(seaweed, through, proxy):
    url, _ = through
    with proxy.using(Scenario.sequence([Fault.full_object()])):
        response = plain_get(url)
    assert response.status_code == 200
    assert "Content-Range" not in response.headers
    assert response.content == seaweed.local(KEY).read_bytes()


def test_a_wrong_content_range_labels_the_bytes_one_off(seaweed, through, proxy):
    url, expected = through
    with proxy.using(Scenario.sequence([Fault.wrong_content_range()])):
        response = plain_get(url)
    size = seaweed.local(KEY).stat().st_size
    assert response.status_code == 206 and response.content == expected
    assert response.headers["Content-Range"] == f"bytes {RANGE[0] + 1}-{RANGE[1] + 1}/{size}"


def test_416_names_the_objects_size(seaweed, through, proxy):
    url, _ = through
    with proxy.using(Scenario.sequence([Fault.range_not_satisfiable()])):
        response = plain_get(url)
    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{seaweed.local(KEY).stat().st_size}"


def test_latency_is_added_to_every_request_and_to_every_new_connection(through, proxy):
    url, _ = through
    with proxy.using(latency=0.040), requests.Session() as session:
        timings = []
        for _ in range(6):
            started = time.perf_counter()
            session.get(url, headers=RANGE_HEADER, timeout=5)
            timings.append(time.perf_counter() - started)
    # The first request pays the handshake's round trip as well; the others one round trip each
    # (the median bounds it from above, robust to a busy machine's occasional stall).
    assert timings[0] >= 0.080
    assert min(timings[1:]) >= 0.040
    assert statistics.median(timings[1:]) < 0.075
    assert proxy.statistics()["connections"] == 1


def test_the_proxy_forwards_a_request_signed_for_its_own_host_untouched(seaweed, proxy):
    server = seaweed.server
    response = server.signed("GET", server.object_url(KEY, proxy.address), RANGE_HEADER)
    assert response.status_code == 206
    assert response.content == seaweed.local(KEY).read_bytes()[RANGE[0]:RANGE[1] + 1]
    refused = server.signed("GET", server.object_url(KEY, proxy.address), RANGE_HEADER, secret="wrong")
    assert refused.status_code == 403


def test_the_full_object_fault_works_for_a_signed_range_request(seaweed, proxy):
    server = seaweed.server
    with proxy.using(Scenario.sequence([Fault.full_object()])):
        response = server.signed("GET", server.object_url(KEY, proxy.address), RANGE_HEADER)
    assert response.status_code == 200 and response.content == seaweed.local(KEY).read_bytes()


def test_each_request_scenario_gives_every_distinct_range_its_burst_under_concurrency(seaweed, through, proxy):
    url, _ = through
    data = seaweed.local(KEY).read_bytes()
    ranges = [(start, start + 999) for start in range(0, 16_000, 1000)]

    def fetch(bounds):
        with retrying_session(total=3) as session:
            return session.get(url, headers={"Range": f"bytes={bounds[0]}-{bounds[1]}"}, timeout=5).content

    with proxy.using(Scenario.each_request([Fault.error(503), Fault.slow_down()])) as scenario:
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            results = list(pool.map(fetch, ranges))
    assert results == [data[first:last + 1] for first, last in ranges]
    assert len(scenario.injected) == 2 * len(ranges)
    assert proxy.statistics()["statuses"] == {503: 2 * len(ranges), 206: len(ranges)}


@pytest.mark.parametrize("as_date", [False, True], ids=["seconds", "date"])
def test_a_503_or_429_asks_for_a_wait_in_seconds_or_as_an_http_date(through, proxy, as_date):
    url, _ = through
    with proxy.using(Scenario.sequence([Fault.error(503, retry_after=2, as_date=as_date), Fault.error(429)])):
        asking, default = plain_get(url), plain_get(url)
    assert default.headers["Retry-After"] == "0"
    if as_date:
        wait = (email.utils.parsedate_to_datetime(asking.headers["Retry-After"])
                - email.utils.parsedate_to_datetime(asking.headers["Date"]))
        assert wait == datetime.timedelta(seconds=2)
    else:
        assert asking.headers["Retry-After"] == "2"


def test_jitter_is_a_seeded_draw_per_request_and_attempt(through, proxy):
    url, _ = through

    def jitters(seed):
        proxy.reset_statistics()
        with proxy.using(Scenario.none().jittered(seed, 0.02)), requests.Session() as session:
            for start in (0, 1000, 0, 2000):
                session.get(url, headers={"Range": f"bytes={start}-{start + 99}"}, timeout=5)
        return [entry["jitter"] for entry in proxy.requests_served()]

    first, again, other = jitters(1), jitters(1), jitters(2)
    assert first == again and first != other
    assert all(0 <= jitter < 0.02 for jitter in first + other)
    assert first[0] != first[2], "a second attempt at the same range draws anew"


def test_a_connect_to_the_black_hole_hangs_until_the_clients_connect_timeout():
    with ConnectBlackHole() as hole:
        if not hole.holds:
            pytest.skip("this kernel answers connects beyond a full accept queue: no black hole")
        started = time.monotonic()
        with pytest.raises(requests.exceptions.ConnectTimeout):
            requests.get(f"{hole.address}/bucket/key", timeout=(0.5, 5))
        assert 0.45 <= time.monotonic() - started < 2


def test_a_seeded_random_scenario_repeats_and_another_seed_differs(through, proxy):
    url, _ = through
    rates = {Fault.error(503): 0.3, Fault.error(500): 0.2}

    def run(seed):
        with proxy.using(Scenario.random(rates, seed=seed)) as scenario, requests.Session() as session:
            for start in range(0, 40_000, 1000):
                session.get(url, headers={"Range": f"bytes={start}-{start + 99}"}, timeout=5)
        return scenario.injected

    first, again, other = run(7), run(7), run(8)
    assert first == again
    assert first != other
    assert 5 <= len(first) <= 35


def test_an_object_replaced_between_two_reads_fails_if_match_on_the_second(seaweed, proxy, scratch_key):
    server = seaweed.server
    etag = server.put(scratch_key, b"first version " * 100)
    url = server.http_url(scratch_key, proxy.address)
    with proxy.using(Scenario.sequence([Fault.run(lambda: server.replace(scratch_key, b"second version" * 100))],
                                       skip=1)):
        first = requests.get(url, headers={"Range": "bytes=0-13", "If-Match": etag}, timeout=5)
        second = requests.get(url, headers={"Range": "bytes=14-27", "If-Match": etag}, timeout=5)
    assert first.status_code == 206 and first.content == b"first version "
    assert second.status_code == 412


def test_the_proxy_logs_each_request_with_its_fault_status_and_bytes(through, proxy):
    url, expected = through
    with proxy.using(Scenario.sequence([Fault.truncate()])), requests.Session() as session:
        with pytest.raises(requests.exceptions.RequestException):
            session.get(url, headers=RANGE_HEADER, timeout=5)
        session.get(url, headers=RANGE_HEADER, timeout=5)
    target = url.split(proxy.address, 1)[1]
    entry = {"method": "GET", "target": target, "range": RANGE_HEADER["Range"], "status": 206, "jitter": 0.0}
    log = proxy.requests_served()
    served = [{name: value for name, value in served.items() if name not in ("started", "finished", "connection")}
              for served in log]
    assert served == [{**entry, "fault": "truncate", "bytes": len(expected) // 2},
                      {**entry, "fault": None, "bytes": len(expected)}]
    # The truncation closed the first connection: the second request came on a new one.
    assert log[1]["connection"] > log[0]["connection"]


def test_round_trips_count_sequential_requests_once_each_and_concurrent_ones_together(through, proxy):
    url, _ = through
    with proxy.using(latency=0.040):
        with requests.Session() as session:
            for _ in range(3):
                session.get(url, headers=RANGE_HEADER, timeout=5)
        assert proxy.reset_statistics()["round_trips"] == 3
        with concurrent.futures.ThreadPoolExecutor(6) as pool:
            list(pool.map(lambda _: requests.get(url, headers=RANGE_HEADER, timeout=5), range(6)))
    assert proxy.statistics()["requests"] == 6
    assert proxy.statistics()["round_trips"] == 1


def test_the_proxy_counts_requests_and_the_body_bytes_it_served(through, proxy):
    url, expected = through
    with requests.Session() as session:
        for _ in range(3):
            session.get(url, headers=RANGE_HEADER, timeout=5)
        session.head(url, timeout=5)
    counted = proxy.statistics()
    assert counted["requests"] == 4
    assert counted["bytes"] == 3 * len(expected)
    assert counted["statuses"] == {206: 3, 200: 1}
