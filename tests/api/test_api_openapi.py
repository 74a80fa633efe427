"""The OpenAPI 3.1 document: generated from the route declarations, valid, complete; and
fuzzed with schemathesis against a served app (no 5xx, no answer that breaks the document)."""

from __future__ import annotations

import logging
import logging.handlers
import subprocess
import sys
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from forum.api import keys
from forum.discussions import services as discussions
from forum.escalations import services as escalations
from forum.escalations.models import Priority
from forum.moderation import services as moderation
from tests.conftest import make_app
from tests.e2e.conftest import LiveServer
from tests.factories import (
    general_category,
    hold_new_members,
    make_category,
    make_event,
    make_reply,
    make_topic,
    make_user,
)


def test_the_document_is_valid_openapi_3_1(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    validate(document)
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert {"Error", "Cursor", "Category", "Topic", "Post", "User"} <= set(document["components"]["schemas"])


def test_every_api_route_is_in_the_document(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    documented = {(path, method.upper()) for path, ops in document["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint == "api_v1.openapi_document":
            continue
        path = rule.rule.removeprefix("/api/v1")
        for converter in ("int:", ""):
            path = path.replace(f"<{converter}", "{")
        path = path.replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method) in documented, f"{method} {path} is not in the OpenAPI document"


def test_every_operation_answers_its_errors_in_the_one_shape(client):
    document = client.get("/api/v1/openapi.json").get_json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert "401" in operation["responses"] and "429" in operation["responses"], (method, path)
            if "requestBody" in operation:
                assert {"415", "422"} <= set(operation["responses"]), (method, path)


def _seed() -> str:
    """A small world: categories with topics, replies, a members-only room; a meetup, a reply
    held for review, an open flag and an escalation (through the services, so the fuzz reaches
    events, the review queue, flags and escalations with real data); an admin key."""
    admin = make_user("fuzz-admin", role="admin")
    lounge = make_category("Lounge", slug="lounge", read_access="members")
    replies = []
    for i in range(3):
        topic = make_topic(make_user(), general_category(), title=f"A topic to fuzz {i}")
        replies.append(make_reply(topic, make_user(), "A reply to read."))
    make_topic(make_user(), lounge, title="For members only")
    make_user("someone")
    make_event(make_user("fuzz-host", role="moderator"), title="A meetup to fuzz")
    hold_new_members(1)
    discussions.create_reply(make_user("fuzz-newcomer"), replies[0].topic, "A first reply, held for review.")
    hold_new_members(0)
    moderation.flag_post(make_user("fuzz-flagger"), replies[1], "spam")
    escalations.escalate(admin, replies[2].topic, replies[2], "The helpdesk should look at this.",
                         Priority.NORMAL.value)
    return keys.create_admin_key(admin, "fuzzer", ["read", "write", "moderation", "admin"]).secret


def test_the_document_says_the_headers_codes_and_what_each_write_does(client):
    document = client.get("/api/v1/openapi.json").get_json()
    components = document["components"]
    codes = components["schemas"]["Error"]["properties"]["error"]["properties"]["code"]["enum"]
    assert {"not_found", "invalid", "rate_limited", "csrf", "insufficient_scope", "posting_blocked",
            "edit_conflict"} <= set(codes)
    assert "Retry-After" in components["responses"]["E429"]["headers"]
    assert "`edit_conflict`" in components["responses"]["E409"]["description"]
    created = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert ("405" in responses) == ("_id}" in path), (method, path)  # only an id out of range
            if method != "get":
                assert operation.get("description"), f"{method} {path} has no description"
            if "201" in responses:
                created += 1
                assert responses["201"]["description"] == "Created.", (method, path)
                assert "Location" in responses["201"]["headers"], (method, path)
            if method == "get":
                assert {"ETag", "X-RateLimit-Remaining"} <= set(responses["200"]["headers"]), path
            if "409" in responses:
                assert (method, path) == ("patch", "/posts/{post_id}"), "only an edit can conflict"
    assert created >= 3


@pytest.mark.slow
@pytest.mark.committing
def test_schemathesis_finds_no_server_error_and_no_answer_outside_the_document(app, database_url, tmp_path):
    secret = _seed()
    served = make_app(database_url, tmp_path, SERVER_NAME=None, RATELIMIT_ENABLED=False)
    # A 500's traceback, so a failure seen once in CI says where it came from.
    server_errors = logging.handlers.BufferingHandler(1000)
    server_errors.setLevel(logging.ERROR)
    server_errors.setFormatter(logging.Formatter("%(message)s"))
    loggers = [served.logger, logging.getLogger("werkzeug")]  # Flask's own, and the server's (TESTING propagates)
    for logger in loggers:
        logger.addHandler(server_errors)
    with LiveServer(served) as server:
        report = tmp_path / "report.json"
        command = [sys.executable, "-m", "schemathesis.cli", "run", f"{server.url}/api/v1/openapi.json",
                   "--checks", "not_a_server_error,response_schema_conformance,status_code_conformance,"
                               "content_type_conformance",
                   "-H", f"Authorization: Bearer {secret}", "--max-examples", "25", "--seed", "14",
                   "--phases", "examples,coverage,fuzzing", "--workers", "1", "--no-color",
                   "--request-timeout", "20", "--max-time", "90",
                   "--report", "ndjson", "--report-ndjson-path", str(report)]
        result = subprocess.run(command, check=False, capture_output=True, text=True, timeout=400,
                                cwd=Path(__file__).resolve().parents[2])
    for logger in loggers:
        logger.removeHandler(server_errors)
    tracebacks = "\n".join(server_errors.format(record) for record in server_errors.buffer)[-6000:]
    output = result.stdout[-6000:] + result.stderr[-2000:] + "\nServer errors:\n" + tracebacks
    assert result.returncode == 0, output
    assert "No issues found" in output or "passed" in output.lower(), output
