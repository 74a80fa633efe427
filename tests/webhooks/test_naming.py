"""An endpoint's URL stays on Admin → Webhooks: the audit log, its CSV and notices name it by
its label (scheme, host, port and a fingerprint), never by a path that may hold a token."""

from __future__ import annotations

from sqlalchemy import select

from forum.audit.models import AuditLog
from forum.audit.services import AuditFilters, audit_csv
from forum.extensions import db
from forum.webhooks import services
from forum.webhooks.naming import endpoint_label
from forum.webhooks.services import EndpointInput

from .conftest import add_endpoint

TOKEN_URL = "https://chat.example.com:8443/hooks/T000/B000/SeCrEtToKeN?key=AnotherSecret"


def test_the_label_keeps_the_origin_and_a_fingerprint_of_the_rest():
    label = endpoint_label(TOKEN_URL)
    assert label.startswith("https://chat.example.com:8443 …") and "SeCrEt" not in label and "Another" not in label
    assert endpoint_label("https://chat.example.com:8443/hooks/other") != label
    assert endpoint_label("https://example.com/") == "https://example.com"
    assert endpoint_label("http://[::1]:5700/x").startswith("http://[::1]:5700 …")


def test_the_audit_log_and_its_csv_never_hold_the_url_path(app, admin, monkeypatch):
    endpoint = add_endpoint(admin, TOKEN_URL, ["topic_created"], allow_internal=False)
    services.update_endpoint(admin, endpoint, EndpointInput(
        url=TOKEN_URL.replace("SeCrEtToKeN", "SeCrEtToKeN2"), description="", events=["topic_created"],
        active=True, allow_internal=False))
    services.delete_endpoint(admin, endpoint)
    entries = list(db.session.scalars(select(AuditLog).where(AuditLog.target_type == "webhook")))
    assert {entry.action for entry in entries} == {"webhook.create", "webhook.update", "webhook.delete"}
    text = repr([(entry.before, entry.after) for entry in entries])
    assert "SeCrEt" not in text and "/hooks" not in text and "chat.example.com:8443" in text
    csv_text = "".join(audit_csv(AuditFilters(target_type="webhook")))
    assert "SeCrEt" not in csv_text and "/hooks" not in csv_text and "chat.example.com:8443" in csv_text


def test_the_page_showing_the_secret_is_never_stored(app, admin, client):
    endpoint = add_endpoint(admin, TOKEN_URL, ["topic_created"], allow_internal=False)
    client.login("ada")
    response = client.get(f"/admin/webhooks/{endpoint.id}")
    assert response.status_code == 200 and endpoint.secret in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
