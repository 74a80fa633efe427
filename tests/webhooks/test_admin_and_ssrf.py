"""Admin → Webhooks over HTTP (add, refuse, rotate, ping, delete; admins only) and the SSRF
guard: schemes, loopback/private/link-local addresses, the admin's internal-host exception,
redirects not followed."""

from __future__ import annotations

import json
from datetime import timedelta
from ipaddress import ip_address

import pytest
from sqlalchemy import select

from forum import outbound
from forum.audit.models import AuditLog
from forum.db_types import utcnow
from forum.extensions import db
from forum.webhooks.models import DeliveryState, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from forum.webhooks.signing import verify
from tests.factories import make_topic, make_user

from .conftest import add_endpoint, run_deliveries
from .receiver import verify_circolo


def _form(url: str, events: tuple[str, ...] = ("topic_created", "post_created"), **extra: str) -> dict:
    return {"url": url, "description": "Helpdesk", "events": list(events), "active": "y", **extra}


def test_an_admin_adds_an_endpoint_and_its_test_ping_arrives(app, admin, client, receiver):
    client.login("ada")
    response = client.post_form("/admin/webhooks/new", _form(receiver.url(), allow_internal="y"))
    assert response.status_code == 302
    endpoint = db.session.scalar(select(WebhookEndpoint))
    assert endpoint.url == receiver.url() and endpoint.events == ["topic_created", "post_created"]
    assert endpoint.allow_internal and endpoint.active and endpoint.created_by_id == admin.id
    page = client.get(f"/admin/webhooks/{endpoint.id}").get_data(as_text=True)
    assert endpoint.secret in page  # shown to the admin, to give to the receiver
    audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "webhook.create"))
    assert audit is not None and endpoint.secret not in json.dumps(audit.after)
    # The ping runs after the request, like any job (the in-process worker in production).
    assert client.post_form(f"/admin/webhooks/{endpoint.id}/ping").status_code == 302
    assert len(receiver.requests) == 1
    ping = receiver.requests[0]
    assert ping.headers["Circolo-Event"] == "ping" and json.loads(ping.body)["event"] == "ping"
    assert verify(endpoint.secret, ping.body, ping.headers["Circolo-Signature"])
    assert ">Delivered<" in client.get(f"/admin/webhooks/{endpoint.id}/deliveries").get_data(as_text=True)
    assert "Webhooks" in client.get("/admin/webhooks").get_data(as_text=True)


@pytest.mark.parametrize(("url", "extra", "message"), [
    ("ftp://hooks.example.com/in", {}, "Only http:// and https://"),
    ("file:///etc/passwd", {}, "Only http:// and https://"),
    ("javascript:alert(1)", {}, "Only http:// and https://"),
    ("http://127.0.0.1:8080/hooks", {}, "internal network"),
    ("http://10.1.2.3/hooks", {}, "internal network"),
    ("http://[::1]/hooks", {}, "internal network"),
    ("http://localhost:5700/hook", {}, "Tick “Allow an internal host”"),
    ("http://2130706433/", {}, "Tick “Allow an internal host”"),
    ("http://169.254.169.254/latest/meta-data", {"allow_internal": "y"}, "never allowed"),
    ("http://169.254.169.254/latest/meta-data", {}, "never allowed"),
    ("https://user:pw@example.com/x", {}, "user name or password in the address is not allowed"),
    ("not a url", {}, "valid web address"),
])
def test_refused_urls_keep_the_form_and_say_why(app, admin, client, url, extra, message):
    client.login("ada")
    response = client.post_form("/admin/webhooks/new", _form(url, **extra))
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and message in page
    assert 'value="Helpdesk"' in page  # what the admin typed stays
    assert db.session.scalar(select(WebhookEndpoint)) is None


def test_events_must_be_chosen_from_the_list(app, admin, client):
    client.login("ada")
    assert "Choose at least one event" in client.post_form(
        "/admin/webhooks/new", _form("https://hooks.example.com/", events=())).get_data(as_text=True)
    assert "Choose events from the list" in client.post_form(
        "/admin/webhooks/new", _form("https://hooks.example.com/", events=("topic_created", "nope"))
    ).get_data(as_text=True)


def test_only_admins_reach_the_webhook_pages(app, admin, client):
    endpoint = add_endpoint(admin, "https://hooks.example.com/", ["topic_created"], allow_internal=False)
    assert client.get("/admin/webhooks").status_code == 404  # strangers: no admin area at all
    make_user("mia")
    make_user("mod", role="moderator")
    for name in ("mia", "mod"):
        client.login(name)
        assert client.get("/admin/webhooks").status_code == 403
        assert client.get(f"/admin/webhooks/{endpoint.id}").status_code == 403
        assert client.post_form(f"/admin/webhooks/{endpoint.id}/secret").status_code == 403
        client.post_form("/logout")
    db.session.refresh(endpoint)
    assert endpoint.url == "https://hooks.example.com/"


def test_the_delivery_log_pages_by_id(app, admin, client):
    endpoint = add_endpoint(admin, "https://hooks.example.com/", ["topic_created"], allow_internal=False)
    client.login("ada")
    assert client.get(f"/admin/webhooks/{endpoint.id}/deliveries?before=abc").status_code == 400
    assert client.get(f"/admin/webhooks/{endpoint.id}/deliveries?before=5").status_code == 200
    assert client.get("/admin/webhooks/999999/deliveries").status_code == 404


def test_a_new_secret_signs_the_next_deliveries(app, admin, client, receiver):
    endpoint = add_endpoint(admin, receiver.url(), ["topic_created"])
    old = endpoint.secret
    client.login("ada")
    client.post_form(f"/admin/webhooks/{endpoint.id}/secret")
    db.session.refresh(endpoint)
    assert endpoint.secret != old
    make_topic()
    run_deliveries()
    request = receiver.requests[0]
    assert verify(endpoint.secret, request.body, request.headers["Circolo-Signature"])
    assert verify_circolo(endpoint.secret, request.body, request.headers["Circolo-Signature"])
    # For a day the previous secret signs too: the receiver still holding it keeps working.
    assert request.headers["Circolo-Signature"].count("v1=") == 2
    assert verify_circolo(old, request.body, request.headers["Circolo-Signature"])
    endpoint.previous_secret_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    make_topic()
    run_deliveries()
    later = receiver.requests[1].headers["Circolo-Signature"]
    assert later.count("v1=") == 1 and not verify(old, receiver.requests[1].body, later)
    assert verify(endpoint.secret, receiver.requests[1].body, later)


def test_turning_an_endpoint_on_again_starts_a_fresh_count(app, admin, client):
    endpoint = add_endpoint(admin, "https://hooks.example.com/", ["topic_created"], allow_internal=False)
    endpoint.active, endpoint.consecutive_failures = False, 5
    db.session.commit()
    client.login("ada")
    client.post_form(f"/admin/webhooks/{endpoint.id}", _form("https://hooks.example.com/", ("topic_created",)))
    db.session.refresh(endpoint)
    assert endpoint.active and endpoint.consecutive_failures == 0 and endpoint.disabled_at is None


def test_deleting_an_endpoint_takes_its_log(app, admin, client, receiver):
    endpoint = add_endpoint(admin, receiver.url(), ["topic_created"])
    make_topic()
    run_deliveries()
    client.login("ada")
    assert client.post_form(f"/admin/webhooks/{endpoint.id}/delete").status_code == 302
    assert db.session.scalar(select(WebhookEndpoint)) is None
    assert db.session.scalar(select(WebhookDelivery)) is None


# --- at sending time -------------------------------------------------------------------------------

def test_a_name_that_resolves_to_loopback_is_refused_at_save_unless_the_admin_allowed_it(app, admin, client,
                                                                                        receiver):
    client.login("ada")
    response = client.post_form("/admin/webhooks/new", _form(f"http://localhost:{receiver.port}/hooks"))
    assert response.status_code == 400 and "Allow an internal host" in response.get_data(as_text=True)
    response = client.post_form("/admin/webhooks/new", _form(f"http://localhost:{receiver.port}/hooks",
                                                              allow_internal="y"))
    assert response.status_code == 302


def test_a_name_that_does_not_resolve_now_is_saved_with_a_warning(app, admin, client):
    client.login("ada")
    response = client.post_form("/admin/webhooks/new", _form("https://hooks.circolo.invalid/in"),
                                follow_redirects=True)
    assert response.status_code == 200 and "could not be found now" in response.get_data(as_text=True)
    assert db.session.scalar(select(WebhookEndpoint)) is not None


def test_delivery_checks_the_address_again_and_says_why_in_the_admins_language(app, admin, client, receiver):
    refused = add_endpoint(admin, f"http://localhost:{receiver.port}/hooks", ["topic_created"])
    refused.allow_internal = False  # as if the name moved to a loopback address after the save
    db.session.commit()
    make_topic()
    run_deliveries()
    assert receiver.requests == []
    attempts = list(db.session.scalars(select(WebhookAttempt)))
    assert attempts and all(a.error and a.error.startswith("address") for a in attempts)
    client.login("ada")
    page = client.get(f"/admin/webhooks/deliveries/{attempts[0].delivery_id}").get_data(as_text=True)
    assert "internal network that this endpoint may not reach" in page  # a sentence, translated
    assert "resolves to" not in page  # the English detail stays in the server's log
    refused.allow_internal = True
    db.session.commit()
    make_topic()
    run_deliveries()
    assert len(receiver.requests) == 1


def test_redirects_are_not_followed(app, admin, receiver):
    endpoint = add_endpoint(admin, receiver.url("/redirect"), ["topic_created"])
    make_topic()
    run_deliveries(rounds=1)
    assert [r.path for r in receiver.requests] == ["/redirect"]
    delivery = db.session.scalar(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id))
    assert delivery.status_code == 302 and delivery.state == DeliveryState.PENDING  # a failure, retried


@pytest.mark.parametrize("address", ["169.254.169.254", "fe80::1", "224.0.0.1", "0.0.0.0", "255.255.255.255"])
def test_the_internal_host_exception_never_covers_link_local_or_special_addresses(address):
    ip = ip_address(address)
    assert not outbound.address_is_public(ip) and not outbound.public_or_internal(ip)


@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "::1", "fd00::1",
                                     "::ffff:10.0.0.1"])
def test_the_internal_host_exception_covers_loopback_and_private_addresses(address):
    ip = ip_address(address)
    assert not outbound.address_is_public(ip) and outbound.public_or_internal(ip)


def test_post_refuses_what_fetch_refuses():
    with pytest.raises(outbound.RemoteFetchRefused) as refused:
        outbound.post("http://169.254.169.254/", b"{}", headers={}, address_allowed=outbound.public_or_internal)
    assert refused.value.code == "address"
    with pytest.raises(outbound.RemoteFetchRefused) as refused:
        outbound.post("gopher://example.com/", b"{}", headers={})
    assert refused.value.code == "scheme"
    with pytest.raises(outbound.RemoteFetchRefused) as refused:
        outbound.post("http://localhost:1/", b"{}", headers={})
    assert refused.value.code == "address"
