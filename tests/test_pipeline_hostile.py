"""serve against hostile clients (127.0.0.1 only): every refusal has the right status and a JSON body,
slow or idle connections are bounded, and well-behaved clients keep being answered."""

from __future__ import annotations

import json
import select
import socket
import threading
import time

import pytest

from tests.pipeline_support import FAULTY_MODEL, get, post, running_service

TIMEOUTS = dict(header_timeout_s=1.0, body_timeout_s=1.0, keepalive_timeout_s=1.5)


def read_response(sock: socket.socket, timeout_s: float = 5.0) -> tuple[int, dict, dict]:
    """(status, JSON body, headers) of one HTTP/1.1 response read from ``sock`` (bounded in time)."""
    sock.settimeout(timeout_s)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return status, json.loads(body[:length] or b"{}"), headers


def exchange(port: int, request: bytes, timeout_s: float = 5.0) -> tuple[int, dict, dict]:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout_s) as sock:
        sock.sendall(request)
        return read_response(sock, timeout_s)


def post_raw(body: bytes, extra: str = "") -> bytes:
    return (
        f"POST /v1/predict HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n{extra}"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


@pytest.mark.timeout(180)
def test_malformed_and_oversized_requests_get_their_status_with_a_json_error(no_leftover_children) -> None:
    with running_service(**TIMEOUTS) as running:
        port = running.service.config.port
        cases = {
            "invalid JSON": (post_raw(b'{"text": '), 400),
            "invalid UTF-8": (post_raw(b'{"text": "\xff\xfe"}'), 400),
            "a number": (post_raw(b'{"text": 42}'), 400),
            "null": (post_raw(b'{"text": null}'), 400),
            "a list at top": (post_raw(b'["a", "b"]'), 400),
            "texts not a list": (post_raw(b'{"texts": "abc"}'), 400),
            "empty text": (post_raw(b'{"text": ""}'), 400),
            "whitespace text": (post_raw(json.dumps({"text": " \n\t\u3000"}).encode()), 400),
            "a blank among texts": (post_raw(b'{"texts": ["ok", "  "]}'), 400),
            "empty list": (post_raw(b'{"texts": []}'), 400),
            "too many texts": (post_raw(json.dumps({"texts": ["a"] * 65}).encode()), 400),
            "unknown path": (b"GET /nope HTTP/1.1\r\nHost: t\r\n\r\n", 404),
            "wrong method": (b"GET /v1/predict HTTP/1.1\r\nHost: t\r\n\r\n", 405),
        }
        answers = {name: exchange(port, request) for name, (request, _) in cases.items()}
        # A 10 MB body: refused from its declared length, without reading it all.
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(
                b"POST /v1/predict HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                b"Content-Length: 10485760\r\n\r\n" + b"x" * 65536
            )
            big = read_response(sock, 10.0)
        ok = post(running.url, {"text": "still fine"})
    for name, (_, expected) in cases.items():
        status, body, headers = answers[name]
        assert (name, status) == (name, expected), body
        assert headers["content-type"].startswith("application/json") and body["error"], (name, body)
    assert "empty" in answers["empty text"][1]["error"] and "empty" in answers["whitespace text"][1]["error"]
    assert answers["wrong method"][2].get("allow") == "POST"
    assert big[0] == 413 and "limit" in big[1]["error"]
    assert ok.status == 200 and ok.body["answer"] == {"echo": "still fine"}


@pytest.mark.timeout(180)
def test_a_slow_head_and_an_endless_chunked_body_get_408(no_leftover_children) -> None:
    with running_service(**TIMEOUTS) as running:
        port = running.service.config.port
        started = time.monotonic()
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"POST /v1/predict HTTP/1.1\r\nHost: t\r\n")  # and never the blank line
            head_status, head_body, _ = read_response(sock, 10.0)
        head_s = time.monotonic() - started
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(
                b"POST /v1/predict HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n"
            )
            started = time.monotonic()
            while time.monotonic() - started < 8.0:  # a chunk every 0.1 s, until the service answers
                sock.sendall(b"1\r\n \r\n")
                if select.select([sock], [], [], 0.1)[0]:
                    break
            body_status, body_body, _ = read_response(sock, 5.0)
            body_s = time.monotonic() - started
        health = get(running.url, "/healthz")
    assert head_status == 408 and "head" in head_body["error"] and head_s < 6.0
    assert body_status == 408 and "body" in body_body["error"] and body_s < 6.0
    assert health[0] == 200 and json.loads(health[1])["head_timeouts"] >= 1


@pytest.mark.timeout(240)
def test_slowloris_and_idle_connections_do_not_starve_well_behaved_clients(no_leftover_children) -> None:
    with running_service(max_connections=120, **TIMEOUTS) as running:
        port = running.service.config.port
        idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(150)]
        slow = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(100)]
        stop = threading.Event()

        def trickle() -> None:  # one header byte per connection every 0.2 s
            line = b"POST /v1/predict HTTP/1.1\r\nX-Slow: " + b"a" * 200
            for i in range(len(line)):
                if stop.wait(0.2):
                    return
                for sock in slow:
                    try:
                        sock.send(line[i : i + 1])
                    except OSError:
                        pass

        attacker = threading.Thread(target=trickle, daemon=True)
        attacker.start()
        try:
            replies = []
            for i in range(40):
                replies.append(post(running.url, {"text": f"good client {i}"}, timeout=10))
                time.sleep(0.05)
        finally:
            stop.set()
            attacker.join(timeout=5)
            for sock in idle + slow:
                sock.close()
        health = json.loads(get(running.url, "/healthz")[1])
    assert [r.status for r in replies] == [200] * 40
    assert all(r.body["answer"] == {"echo": f"good client {i}"} for i, r in enumerate(replies))
    assert sorted(r.seconds for r in replies)[-1] < 3.0  # loose: a loaded 2-core machine
    assert health["idle_connections_closed"] > 0 or health["head_timeouts"] > 0


@pytest.mark.timeout(180)
def test_busy_connections_at_the_cap_and_requests_during_drain_get_503(no_leftover_children) -> None:
    with running_service(model=FAULTY_MODEL, max_connections=2, **TIMEOUTS) as running:
        port = running.service.config.port
        busy = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(2)]
        for sock in busy:  # both connections inside a handler for ~2 s
            sock.sendall(post_raw(json.dumps({"text": "slow:2"}).encode()))
        time.sleep(0.5)
        refused = exchange(port, post_raw(b'{"text": "one too many"}'))
        slow_answers = [read_response(sock, 10.0)[0] for sock in busy]
        for sock in busy:
            sock.close()
        # Drain: the stop event set, the ingress admits nothing new while what is in flight finishes.
        running.service.ctx.stop_event.set()
        time.sleep(0.5)
        during_drain = post(running.url, {"text": "too late"}, timeout=10)
    assert refused[0] == 503 and "too many connections" in refused[1]["error"]
    assert slow_answers == [200, 200]
    assert during_drain.status == 503 and "shutting down" in during_drain.body["error"]
    assert during_drain.headers.get("Retry-After")


@pytest.mark.timeout(180)
def test_a_token_is_required_on_predict_and_metrics_but_not_healthz(no_leftover_children) -> None:
    import urllib.request

    def call(path: str, token: str | None, body: bytes | None = None) -> int:
        request = urllib.request.Request(
            running.url + path,
            data=body,
            method="POST" if body else "GET",
            headers={"Authorization": f"Bearer {token}"} if token else {},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            assert json.loads(exc.read())["error"]
            return exc.code

    with running_service(token="s3cret", **TIMEOUTS) as running:
        body = b'{"text": "hi"}'
        statuses = {
            "predict without": call("/v1/predict", None, body),
            "predict wrong": call("/v1/predict", "s3cre", body),
            "predict right": call("/v1/predict", "s3cret", body),
            "metrics without": call("/metrics", None),
            "metrics right": call("/metrics", "s3cret"),
            "healthz": call("/healthz", None),
        }
        unauthorised = exchange(running.service.config.port, post_raw(body))
    assert statuses == {
        "predict without": 401,
        "predict wrong": 401,
        "predict right": 200,
        "metrics without": 401,
        "metrics right": 200,
        "healthz": 200,
    }
    assert unauthorised[2].get("www-authenticate", "").startswith("Bearer")


@pytest.mark.timeout(180)
@pytest.mark.parametrize("defer_accept", [True, False], ids=["deferred", "accepted-at-once"])
def test_connections_that_send_nothing_get_408_and_with_defer_accept_never_reach_the_ingress(
    defer_accept: bool, no_leftover_children
) -> None:
    if defer_accept and not hasattr(socket, "TCP_DEFER_ACCEPT"):
        pytest.skip("TCP_DEFER_ACCEPT is Linux's")
    with running_service(defer_accept=defer_accept, **TIMEOUTS) as running:
        port = running.service.config.port
        started = time.monotonic()
        silent = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(200)]
        time.sleep(0.3)
        open_while_silent = json.loads(get(running.url, "/healthz")[1])["connections"]
        answers: dict[socket.socket, bytes] = {}
        try:
            while len(answers) < len(silent) and time.monotonic() - started < 30.0:
                waiting = [sock for sock in silent if sock not in answers]
                for sock in select.select(waiting, [], [], 0.5)[0]:
                    answers[sock] = sock.recv(65536)
            answered_s = time.monotonic() - started
            ok = post(running.url, {"text": "still fine"})
        finally:
            for sock in silent:
                sock.close()
    if defer_accept:  # the kernel holds them: only the /healthz request's own connection is open
        assert open_while_silent <= 2
    else:
        assert open_while_silent >= len(silent)
    assert len(answers) == len(silent)
    assert all(answer.startswith(b"HTTP/1.1 408") and b'"error"' in answer for answer in answers.values())
    # Accepted at once: within the head timeout. Deferred: after the kernel's wait (1 s rounds up to
    # its first SYN-ACK retransmissions, a few seconds), then the head timeout.
    assert answered_s < (8.0 if defer_accept else 4.0)
    assert ok.status == 200
