"""The signature scheme (t=…,v1=HMAC-SHA256(secret, "t.body")) and its replay window."""

from __future__ import annotations

import hashlib
import hmac
import inspect
import time
from pathlib import Path

from forum.webhooks.signing import TOLERANCE, new_secret, sign, verify

from .receiver import verify_circolo

BODY = b'{"id":"evt_1","event":"ping","created_at":"2026-12-05T10:00:00Z","data":{}}'


def test_a_fresh_signature_verifies_in_both_receivers():
    secret = new_secret()
    header = sign(secret, BODY, int(time.time()))
    assert secret.startswith("whsec_") and len(secret) > 40
    assert verify(secret, BODY, header) and verify_circolo(secret, BODY, header)


def test_a_known_vector():
    # HMAC-SHA256("whsec_test", "1700000000." + body), computed independently of sign().
    expected = hmac.new(b"whsec_test", b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert sign("whsec_test", BODY, 1700000000) == f"t=1700000000,v1={expected}"


def test_tampering_another_secret_and_replays_are_refused():
    secret = new_secret()
    now = int(time.time())
    header = sign(secret, BODY, now)
    assert not verify(secret, BODY.replace(b"ping", b"pong"), header)
    assert not verify(new_secret(), BODY, header)
    old = sign(secret, BODY, now - TOLERANCE - 5)
    assert not verify(secret, BODY, old) and not verify_circolo(secret, BODY, old)
    future = sign(secret, BODY, now + TOLERANCE + 5)
    assert not verify(secret, BODY, future) and not verify_circolo(secret, BODY, future)
    assert verify(secret, BODY, sign(secret, BODY, now - TOLERANCE + 5))


def test_malformed_headers_are_refused():
    secret = new_secret()
    for header in ("", "v1=abc", "t=abc,v1=abc", f"t={int(time.time())}", "garbage", "t=1,t=2,v1=x"):
        assert not verify(secret, BODY, header)
        assert not verify_circolo(secret, BODY, header)


def test_several_v1_values_pass_when_one_matches():
    secret = new_secret()
    now = int(time.time())
    good = sign(secret, BODY, now).split("v1=", 1)[1]
    assert verify(secret, BODY, f"t={now},v1={'0' * 64},v1={good}")


def test_non_ascii_headers_are_refused_not_raised():
    secret = new_secret()
    now = int(time.time())
    for header in (f"t={now},v1=é", f"t={now},v1=\u00e9\u00e9", "t=١٢٣,v1=abc", f"t={now},v1=" + "ü" * 64):
        assert not verify(secret, BODY, header) and not verify_circolo(secret, BODY, header)


def test_during_a_rotation_either_secret_verifies():
    old, new = new_secret(), new_secret()
    header = sign(new, BODY, int(time.time()), [old])
    assert header.count("v1=") == 2
    assert verify_circolo(new, BODY, header) and verify_circolo(old, BODY, header)
    assert verify(new, BODY, header) and verify(old, BODY, header)
    assert not verify_circolo(new_secret(), BODY, header)


def test_the_readmes_receiver_is_the_one_these_tests_run():
    """README's ten lines are the function the delivery tests verify real deliveries with."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    start = readme.index("def verify_circolo")
    documented = readme[start:readme.index("\n\n", start)].strip()
    assert documented == inspect.getsource(verify_circolo).strip()
