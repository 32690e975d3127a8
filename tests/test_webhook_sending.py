"""Signing a delivery as the Standard Webhooks scheme defines it, the retry schedule, and sending
one request safely to a real local receiver: refusals of non-public targets (also after DNS),
no redirects followed, the timeout and the read cap (tracker/domain/webhooks.py,
tracker/services/webhook_sender.py)."""

import base64
import hashlib
import hmac
import random
import socket
from datetime import timedelta

import pytest

from tests.receivers import Answer, receiver
from tracker.domain import webhooks
from tracker.services import webhook_sender
from tracker.services.webhook_sender import TargetRefused

# The reference library's own vector (standard-webhooks, libraries/python/tests: test_sign_function).
VECTOR = {
    "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    "id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
    "timestamp": 1614265330,
    "body": b'{"test": 2432232314}',
    "signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
}


def test_signing_gives_the_reference_librarys_signature():
    v = VECTOR
    assert webhooks.sign(v["secret"], v["id"], v["timestamp"], v["body"]) == v["signature"]


def test_a_rotated_secret_signs_beside_the_new_one_and_either_verifies():
    old, new = webhooks.new_secret(), webhooks.new_secret()
    header = webhooks.signature_header([new, old], "msg_1", 1700000000, b"{}")
    signatures = header.split(" ")
    assert len(signatures) == 2
    for secret in (old, new):
        # What a receiver does (README): HMAC over id.timestamp.body with its secret's bytes.
        expected = hmac.new(base64.b64decode(secret.removeprefix("whsec_")), b"msg_1.1700000000.{}", hashlib.sha256).digest()
        assert "v1," + base64.b64encode(expected).decode() in signatures


def test_a_new_secret_is_32_random_bytes_in_the_schemes_form():
    secret = webhooks.new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert webhooks.new_secret() != secret


@pytest.mark.parametrize(
    ("status", "meaning"),
    [(200, "delivered"), (204, "delivered"), (None, "retry"), (500, "retry"), (503, "retry"), (429, "retry"),
     (410, "gone"), (404, "failed"), (400, "failed"), (301, "failed"), (302, "failed")],
)  # fmt: skip
def test_what_an_answer_means(status, meaning):
    assert webhooks.outcome(status) == meaning


def test_retries_back_off_with_jitter_and_stay_within_a_day():
    rng = random.Random(7)
    delays = [webhooks.retry_delay(n, rng=rng) for n in range(1, 12)]
    for n, delay in enumerate(delays, start=1):
        base = webhooks.RETRY_DELAYS[min(n, len(webhooks.RETRY_DELAYS)) - 1]
        assert base * 0.8 <= delay <= base * 1.2
    assert delays[0] < delays[2] < delays[4] < delays[6]
    # Every scheduled retry fits in the day after the event: the schedule's sum, jittered up.
    assert sum(webhooks.RETRY_DELAYS, timedelta()) * 1.2 < webhooks.RETRY_FOR + timedelta(hours=6)


def test_a_receivers_retry_after_is_honoured_when_longer_and_bounded():
    rng = random.Random(1)
    assert webhooks.retry_delay(1, timedelta(minutes=2), rng=rng) == timedelta(minutes=2)
    assert webhooks.retry_delay(6, timedelta(seconds=1), rng=rng) > timedelta(hours=1)  # shorter: the schedule's
    assert webhooks.retry_delay(1, timedelta(days=3), rng=rng) < timedelta(minutes=1)  # beyond the bound: ignored


# --- sending ------------------------------------------------------------------------------------


@pytest.fixture
def private_allowed(settings):
    settings.TRACKER_WEBHOOK_ALLOW_PRIVATE = True


def test_a_post_reaches_the_receiver_with_its_headers_and_body(private_allowed):
    with receiver() as r:
        r.answers(Answer(status=200, body=b"thanks"))
        attempt = webhook_sender.post(r.url, b'{"a": 1}', {"webhook-id": "msg_1"})
    assert (attempt.status, attempt.excerpt, attempt.error) == (200, "thanks", "")
    assert [(x.path, x.body, x.headers["webhook-id"], x.headers["content-type"]) for x in r.received] == [
        ("/hook", b'{"a": 1}', "msg_1", "application/json")
    ]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:9/hook", "127.0.0.1, a loopback address"),
        ("http://10.1.2.3/hook", "10.1.2.3, a private address"),
        ("http://192.168.0.10/hook", "192.168.0.10, a private address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254, a link-local address"),
        ("http://[::1]:9/hook", "::1, a loopback address"),
        ("http://[::ffff:127.0.0.1]:9/hook", "127.0.0.1, a loopback address"),
        ("http://0.0.0.0:9/hook", "0.0.0.0, an unspecified address"),
    ],
)
def test_non_public_addresses_are_refused_before_connecting(url, reason):
    with pytest.raises(TargetRefused) as refused:
        webhook_sender.post(url, b"{}", {})
    assert reason in str(refused.value)


def test_a_host_name_resolving_to_loopback_is_refused(monkeypatch):
    """Checked after resolution: a public-looking name that resolves to 127.0.0.1 is refused too."""
    real = socket.getaddrinfo

    def resolving(host, *args, **kwargs):
        if host == "hooks.example.org":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 443))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolving)
    with pytest.raises(TargetRefused, match=r"'hooks.example.org' resolves to 127.0.0.1, a loopback address"):
        webhook_sender.post("https://hooks.example.org/in", b"{}", {})
    with pytest.raises(TargetRefused, match="loopback"):
        webhook_sender.post("http://localhost:9/in", b"{}", {})


def test_a_redirect_is_not_followed(private_allowed):
    with receiver() as target, receiver() as r:
        r.answers(Answer(status=302, headers={"Location": target.url}))
        attempt = webhook_sender.post(r.url, b"{}", {})
    assert attempt.status == 302
    assert webhooks.outcome(attempt.status) == "failed"
    assert (len(r.received), len(target.received)) == (1, 0)


def test_the_answer_is_read_up_to_the_cap(private_allowed):
    with receiver() as r:
        r.answers(Answer(status=200, body=b"x" * (webhook_sender.READ_LIMIT * 2)))
        attempt = webhook_sender.post(r.url, b"{}", {})
    assert attempt.status == 200
    assert len(attempt.excerpt) == webhook_sender.EXCERPT_BYTES


def test_a_slow_receiver_is_a_timeout_without_a_status(private_allowed, settings):
    settings.TRACKER_WEBHOOK_TIMEOUT_SECONDS = 0.3
    with receiver() as r:
        r.answers(Answer(status=200, delay=1.0))
        attempt = webhook_sender.post(r.url, b"{}", {})
    assert attempt.status is None
    assert "timed out" in attempt.error or "Timeout" in attempt.error
    assert webhooks.outcome(attempt.status) == "retry"


def test_a_closed_port_is_an_attempt_without_a_status(private_allowed):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, not listening: refused
        attempt = webhook_sender.post(f"http://127.0.0.1:{port}/hook", b"{}", {})
    assert attempt.status is None
    assert attempt.error.startswith("ConnectionRefusedError")


def test_the_retry_after_header_is_read_in_seconds_or_as_a_date(private_allowed):
    with receiver() as r:
        r.answers(Answer(status=429, headers={"Retry-After": "120"}))
        assert webhook_sender.post(r.url, b"{}", {}).retry_after == timedelta(seconds=120)
        r.answers(Answer(status=503, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}))
        assert webhook_sender.post(r.url, b"{}", {}).retry_after == timedelta(0)  # a date past: now
        r.answers(Answer(status=503, headers={"Retry-After": "soon"}))
        assert webhook_sender.post(r.url, b"{}", {}).retry_after is None


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.org/hook", "The URL must use https or http."),
        ("https:///hook", "The URL has no host."),
        ("https://user:pw@example.org/hook", "The URL must not carry credentials."),
        ("https://example.org:99999/hook", "The URL's port is not valid."),
    ],
)
def test_malformed_targets_are_refused(url, message):
    with pytest.raises(TargetRefused) as refused:
        webhook_sender.check_url(url)
    assert str(refused.value) == message


def test_production_requires_https(settings):
    settings.PRODUCTION = True
    with pytest.raises(TargetRefused, match="The URL must use https."):
        webhook_sender.check_url("http://example.org/hook")
    webhook_sender.check_url("https://example.org/hook")
