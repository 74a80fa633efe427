"""The uploads' file storage: one contract, kept by a local directory and by S3 (moto's server).

What a browser finally receives is checked end to end: through the app for local files, and
for S3 by following the app's redirect to the presigned URL on the moto server.
"""

from __future__ import annotations

import os
import stat
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask, Response
from werkzeug.datastructures import Headers
from werkzeug.http import parse_options_header
from werkzeug.test import TestResponse

from forum.uploads.storage import (
    FileStorage,
    LocalStorage,
    S3Storage,
    StorageError,
    content_disposition,
    storage_from_config,
    validate_key,
)

MakeStorage = Callable[..., FileStorage]

PNG_TYPE = "image/png"
IMMUTABLE = "public, max-age=31536000, immutable"
UNICODE_NAME = "Résumé 2024 – “final”.pdf"
UNICODE_DISPOSITION = (
    'attachment; filename="Resume 2024  final.pdf"; '
    "filename*=UTF-8''R%C3%A9sum%C3%A9%202024%20%E2%80%93%20%E2%80%9Cfinal%E2%80%9D.pdf"
)
INVALID_KEYS = [
    "",
    "/etc/passwd",
    "../secret",
    "a/../../b",
    "..",
    "a/./b",
    ".",
    "a//b",
    "a/",
    "Avatar.png",
    "a b.png",
    "é.png",
    "a\\b",
    "a\x00b",
    "a" * 201,
]
# No proxy from the environment between the test and the local moto server.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class Served:
    """What the browser ends up with: status, headers and body."""

    status: int
    headers: Headers
    body: bytes


def serve(
    storage: FileStorage,
    key: str,
    *,
    request_headers: dict[str, str] | None = None,
    app_config: dict[str, Any] | None = None,
    **response_options: Any,
) -> TestResponse:
    """The app's own answer for ``key`` (``storage.response`` inside a real request)."""
    app = Flask(__name__)
    app.testing = True  # the storage's exceptions reach the test
    app.config.update(app_config or {})

    @app.get("/files/<path:key>")
    def serve_file(key: str) -> Response:
        return storage.response(key, **response_options)

    response = app.test_client().get(f"/files/{key}", headers=request_headers or {})
    response.get_data()  # read a streamed body before closing it, as a server would
    response.close()
    return response


def fetch(url: str, request_headers: dict[str, str] | None = None) -> Served:
    request = urllib.request.Request(url, headers=request_headers or {})
    try:
        with _DIRECT.open(request, timeout=30) as answer:
            return Served(answer.status, Headers(list(answer.headers.items())), answer.read())
    except urllib.error.HTTPError as error:
        return Served(error.code, Headers(list(error.headers.items())), error.read())


def browser_view(storage: FileStorage, key: str, **response_options: Any) -> Served:
    """Serve ``key`` and follow a redirect the way a browser would."""
    response = serve(storage, key, **response_options)
    if response.status_code == 302:
        return fetch(response.headers["Location"])
    return Served(response.status_code, Headers(response.headers), response.get_data())


# --------------------------------------------------------------------------------------------
# The contract, on both backends
# --------------------------------------------------------------------------------------------


def test_put_read_exists_delete(storage: FileStorage) -> None:
    assert not storage.exists("avatars/ab/one.webp")
    storage.put("avatars/ab/one.webp", b"\x00webp bytes\xff", content_type="image/webp")
    assert storage.exists("avatars/ab/one.webp")
    assert storage.read("avatars/ab/one.webp") == b"\x00webp bytes\xff"
    storage.delete("avatars/ab/one.webp")
    assert not storage.exists("avatars/ab/one.webp")
    with pytest.raises(FileNotFoundError):
        storage.read("avatars/ab/one.webp")


def test_put_replaces_what_was_there(storage: FileStorage) -> None:
    storage.put("a/file.bin", b"first version, longer", content_type="application/octet-stream")
    storage.put("a/file.bin", b"second", content_type="application/octet-stream")
    assert storage.read("a/file.bin") == b"second"
    assert list(storage.keys()) == ["a/file.bin"]


def test_put_stores_empty_files(storage: FileStorage) -> None:
    storage.put("empty.txt", b"", content_type="text/plain")
    assert storage.exists("empty.txt")
    assert storage.read("empty.txt") == b""


def test_deleting_a_missing_key_is_fine(storage: FileStorage) -> None:
    storage.delete("never/stored.png")
    storage.put("once.png", b"x", content_type=PNG_TYPE)
    storage.delete("once.png")
    storage.delete("once.png")  # the GC job may retry
    assert not storage.exists("once.png")


def test_reading_a_missing_key_raises_file_not_found(storage: FileStorage) -> None:
    storage.put("dir/present.png", b"x", content_type=PNG_TYPE)
    for missing in ("dir/absent.png", "dir", "nothing/here.png"):
        assert not storage.exists(missing)
        with pytest.raises(FileNotFoundError):
            storage.read(missing)


def test_keys_lists_what_is_under_a_prefix(storage: FileStorage) -> None:
    stored = ["attachments/x.pdf", "avatars/ab/1.webp", "avatars/ab/2.webp", "avatars/cd/3.webp", "top.txt"]
    for key in stored:
        storage.put(key, key.encode(), content_type="application/octet-stream")

    assert sorted(storage.keys()) == stored
    assert sorted(storage.keys("avatars/")) == stored[1:4]
    assert sorted(storage.keys("avatars/ab/")) == stored[1:3]
    assert sorted(storage.keys("a")) == stored[:4]  # a string prefix, as in S3
    assert sorted(storage.keys("avatars/a")) == stored[1:3]
    assert list(storage.keys("nothing/")) == []
    with pytest.raises(ValueError):
        list(storage.keys("../"))


@pytest.mark.parametrize("key", INVALID_KEYS, ids=repr)
def test_every_operation_refuses_invalid_keys(storage: FileStorage, key: str) -> None:
    with pytest.raises(ValueError):
        validate_key(key)
    with pytest.raises(ValueError):
        storage.put(key, b"x", content_type=PNG_TYPE)
    with pytest.raises(ValueError):
        storage.read(key)
    with pytest.raises(ValueError):
        storage.exists(key)
    with pytest.raises(ValueError):
        storage.delete(key)
    with pytest.raises(ValueError):
        storage.response(key, content_type=PNG_TYPE, cache_control=IMMUTABLE)
    assert list(storage.keys()) == []


@pytest.mark.parametrize("key", ["a", "avatars/ab/cd.webp", "x_1-2.3/y", "v" * 200])
def test_validate_key_accepts_the_app_keys(key: str) -> None:
    assert validate_key(key) == key


def test_the_browser_gets_the_bytes_with_the_callers_headers(storage: FileStorage) -> None:
    storage.put("img/photo.png", b"\x89PNG pixels", content_type=PNG_TYPE)
    seen = browser_view(storage, "img/photo.png", content_type=PNG_TYPE, cache_control=IMMUTABLE)
    assert seen.status == 200
    assert seen.body == b"\x89PNG pixels"
    assert seen.headers["Content-Type"] == PNG_TYPE
    assert seen.headers["Cache-Control"] == IMMUTABLE
    assert seen.headers["Content-Disposition"] == "inline"


def test_a_download_name_in_any_script_reaches_the_browser(storage: FileStorage) -> None:
    storage.put("attachments/r.pdf", b"%PDF-1.7", content_type="application/pdf")
    seen = browser_view(
        storage,
        "attachments/r.pdf",
        content_type="application/pdf",
        cache_control="private, max-age=60",
        download_name=UNICODE_NAME,
    )
    assert seen.status == 200
    assert seen.body == b"%PDF-1.7"
    assert seen.headers["Content-Type"] == "application/pdf"
    assert seen.headers["Content-Disposition"] == UNICODE_DISPOSITION
    assert parse_options_header(seen.headers["Content-Disposition"]) == ("attachment", {"filename": UNICODE_NAME})


@pytest.mark.parametrize(
    ("download_name", "expected"),
    [
        (None, "inline"),
        ("report.pdf", 'attachment; filename="report.pdf"'),
        ('a"b\\c/d.txt', "attachment; filename=\"abcd.txt\"; filename*=UTF-8''a%22b%5Cc%2Fd.txt"),
        (
            "línea\r\nX-Evil: 1",
            "attachment; filename=\"lineaX-Evil: 1\"; filename*=UTF-8''l%C3%ADnea%0D%0AX-Evil%3A%201",
        ),
        ("日本語", "attachment; filename=\"download\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC%E8%AA%9E"),
    ],
)
def test_content_disposition(download_name: str | None, expected: str) -> None:
    assert content_disposition(download_name) == expected


# --------------------------------------------------------------------------------------------
# Local directory
# --------------------------------------------------------------------------------------------


def test_local_storage_lives_in_the_instance_folder_by_default(tmp_path: Path) -> None:
    for url in ("", "local", None):
        storage = storage_from_config({"STORAGE_URL": url}, str(tmp_path))
        assert isinstance(storage, LocalStorage)
        assert storage.description == f"local: {tmp_path / 'uploads'}"
    storage.put("a/b.txt", b"here", content_type="text/plain")
    assert (tmp_path / "uploads" / "a" / "b.txt").read_bytes() == b"here"


def test_local_storage_at_a_file_url(tmp_path: Path) -> None:
    root = tmp_path / "elsewhere with space"
    storage = storage_from_config({"STORAGE_URL": root.as_uri()}, str(tmp_path / "instance"))
    storage.put("k.txt", b"there", content_type="text/plain")
    assert (root / "k.txt").read_bytes() == b"there"
    assert storage.description == f"local: {root}"


@pytest.mark.parametrize(
    "config",
    [
        {"STORAGE_URL": "file://relative/path"},
        {"STORAGE_URL": "file:relative"},
        {"STORAGE_URL": "ftp://host/x"},
        {"STORAGE_URL": "/srv/uploads"},
        {"STORAGE_URL": "s3:///no-bucket"},
        {"STORAGE_URL": "local", "STORAGE_LOCAL_ACCEL_REDIRECT": "/no-trailing-slash"},
        {"STORAGE_URL": "local", "STORAGE_LOCAL_ACCEL_REDIRECT": "relative/"},
    ],
)
def test_storage_configuration_mistakes_are_refused(config: dict[str, Any], tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        storage_from_config(config, str(tmp_path))


def test_local_files_are_private_and_no_temporary_file_is_left(make_storage: MakeStorage, tmp_path: Path) -> None:
    storage = make_storage("local")
    storage.put("dir/f.bin", b"1", content_type="application/octet-stream")
    storage.put("dir/f.bin", b"2", content_type="application/octet-stream")
    directory = tmp_path / "instance" / "uploads" / "dir"
    assert os.listdir(directory) == ["f.bin"]
    assert stat.S_IMODE((directory / "f.bin").stat().st_mode) == 0o640


def test_local_keys_skip_writes_in_flight(make_storage: MakeStorage, tmp_path: Path) -> None:
    storage = make_storage("local")
    storage.put("dir/done.png", b"x", content_type=PNG_TYPE)
    (tmp_path / "instance" / "uploads" / "dir" / "~put-abc123").write_bytes(b"half")
    assert list(storage.keys()) == ["dir/done.png"]


def test_local_failures_are_storage_errors(make_storage: MakeStorage) -> None:
    storage = make_storage("local")
    storage.put("taken", b"a file", content_type="text/plain")
    with pytest.raises(StorageError):
        storage.put("taken/below", b"x", content_type="text/plain")  # a file where a directory must be
    assert storage.read("taken") == b"a file"


def test_local_put_is_atomic_for_concurrent_readers(make_storage: MakeStorage) -> None:
    storage = make_storage("local")
    old, new = b"o" * 256 * 1024, b"n" * 256 * 1024
    storage.put("busy.bin", old, content_type="application/octet-stream")

    def overwrite() -> None:
        for round_number in range(40):
            storage.put("busy.bin", new if round_number % 2 == 0 else old, content_type="application/octet-stream")

    writer = threading.Thread(target=overwrite)
    writer.start()
    reads = 0
    torn: list[int] = []
    while writer.is_alive():
        data = storage.read("busy.bin")
        reads += 1
        if data not in (old, new):
            torn.append(len(data))
    writer.join()
    assert reads > 0
    assert torn == []
    assert storage.read("busy.bin") == old


def test_local_response_is_conditional_and_serves_ranges(make_storage: MakeStorage) -> None:
    storage = make_storage("local")
    storage.put("p/doc.txt", b"0123456789", content_type="text/plain")
    options: dict[str, Any] = {"content_type": "text/plain", "cache_control": "private, max-age=60", "etag": "v1"}

    full = serve(storage, "p/doc.txt", **options)
    assert full.status_code == 200
    assert full.get_data() == b"0123456789"
    assert full.headers["ETag"] == '"v1"'
    assert full.headers["Content-Type"] == "text/plain"  # exactly the caller's, no charset added
    assert full.headers["Cache-Control"] == "private, max-age=60"
    assert "Expires" not in full.headers

    unchanged = serve(storage, "p/doc.txt", request_headers={"If-None-Match": '"v1"'}, **options)
    assert unchanged.status_code == 304
    assert unchanged.get_data() == b""
    assert unchanged.headers["Cache-Control"] == "private, max-age=60"

    changed = serve(storage, "p/doc.txt", request_headers={"If-None-Match": '"v0"'}, **options)
    assert changed.status_code == 200

    part = serve(storage, "p/doc.txt", request_headers={"Range": "bytes=2-5"}, **options)
    assert part.status_code == 206
    assert part.get_data() == b"2345"
    assert part.headers["Content-Range"] == "bytes 2-5/10"


def test_local_response_for_a_missing_file_raises(make_storage: MakeStorage) -> None:
    storage = make_storage("local")
    with pytest.raises(FileNotFoundError):
        serve(storage, "not/there.png", content_type=PNG_TYPE, cache_control=IMMUTABLE)


def test_local_accel_redirect_hands_the_file_to_nginx(make_storage: MakeStorage) -> None:
    storage = make_storage("local", STORAGE_LOCAL_ACCEL_REDIRECT="/_protected_uploads/")
    storage.put("attachments/ab/r.pdf", b"%PDF", content_type="application/pdf")
    response = serve(
        storage,
        "attachments/ab/r.pdf",
        content_type="application/pdf",
        cache_control="private, max-age=60",
        download_name=UNICODE_NAME,
    )
    assert response.status_code == 200
    assert response.get_data() == b""
    assert response.headers["X-Accel-Redirect"] == "/_protected_uploads/attachments/ab/r.pdf"
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == UNICODE_DISPOSITION
    assert response.headers["Cache-Control"] == "private, max-age=60"
    with pytest.raises(FileNotFoundError):
        serve(storage, "attachments/ab/gone.pdf", content_type="application/pdf", cache_control=IMMUTABLE)


def test_local_response_honours_flask_use_x_sendfile(make_storage: MakeStorage) -> None:
    storage = make_storage("local")
    assert isinstance(storage, LocalStorage)
    storage.put("a/b.png", b"png", content_type=PNG_TYPE)
    response = serve(
        storage, "a/b.png", app_config={"USE_X_SENDFILE": True}, content_type=PNG_TYPE, cache_control=IMMUTABLE
    )
    assert response.headers["X-Sendfile"] == str(storage.root / "a" / "b.png")
    assert response.get_data() == b""
    assert response.headers["Content-Type"] == PNG_TYPE
    assert response.headers["Cache-Control"] == IMMUTABLE


# --------------------------------------------------------------------------------------------
# S3
# --------------------------------------------------------------------------------------------


def test_s3_redirect_is_a_short_lived_presigned_url(make_storage: MakeStorage) -> None:
    storage = make_storage("s3", STORAGE_S3_URL_EXPIRES=120)
    storage.put("img/p.png", b"\x89PNG", content_type="application/octet-stream")
    response = serve(storage, "img/p.png", content_type=PNG_TYPE, cache_control=IMMUTABLE, download_name="photo.png")
    assert response.status_code == 302
    assert response.headers["Cache-Control"] == "private, max-age=90"
    location = urlsplit(response.headers["Location"])
    query = {name: values[0] for name, values in parse_qs(location.query).items()}
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert query["X-Amz-Expires"] == "120"
    assert len(query["X-Amz-Signature"]) == 64
    assert query["response-content-type"] == PNG_TYPE

    seen = fetch(response.headers["Location"])
    assert seen.status == 200
    assert seen.body == b"\x89PNG"
    # The overrides, not the type the object was stored with.
    assert seen.headers["Content-Type"] == PNG_TYPE
    assert seen.headers["Content-Disposition"] == 'attachment; filename="photo.png"'
    assert seen.headers["Cache-Control"] == IMMUTABLE


def test_s3_redirect_does_not_look_before_redirecting(make_storage: MakeStorage) -> None:
    storage = make_storage("s3")
    seen = browser_view(storage, "not/there.png", content_type=PNG_TYPE, cache_control=IMMUTABLE)
    # S3 answers 404, or 403 when the signer may not list the bucket (moto: 403 with overrides).
    assert seen.status in (403, 404)


def test_s3_proxy_streams_the_object_through_the_app(make_storage: MakeStorage) -> None:
    storage = make_storage("s3", STORAGE_S3_SERVE="proxy")
    body = bytes(range(256)) * 600  # more than one chunk
    storage.put("big/blob.bin", body, content_type="application/octet-stream")
    options: dict[str, Any] = {"content_type": "image/webp", "cache_control": IMMUTABLE, "etag": "abc"}

    response = serve(storage, "big/blob.bin", download_name="blob.webp", **options)
    assert response.status_code == 200
    assert response.get_data() == body
    assert response.headers["Content-Type"] == "image/webp"
    assert response.headers["Content-Length"] == str(len(body))
    assert response.headers["Content-Disposition"] == 'attachment; filename="blob.webp"'
    assert response.headers["Cache-Control"] == IMMUTABLE
    assert response.headers["ETag"] == '"abc"'

    unchanged = serve(storage, "big/blob.bin", request_headers={"If-None-Match": '"abc"'}, **options)
    assert unchanged.status_code == 304
    assert unchanged.get_data() == b""

    with pytest.raises(FileNotFoundError):
        serve(storage, "big/gone.bin", **options)


def test_s3_prefix_is_a_folder_of_its_own(make_storage: MakeStorage, s3_config: dict[str, Any]) -> None:
    storage = make_storage("s3")
    neighbour = make_storage("s3", STORAGE_URL=s3_config["STORAGE_URL"] + "-neighbour/")
    storage.put("mine.txt", b"1", content_type="text/plain")
    neighbour.put("theirs.txt", b"2", content_type="text/plain")
    assert list(storage.keys()) == ["mine.txt"]
    assert list(neighbour.keys()) == ["theirs.txt"]
    assert not storage.exists("theirs.txt")
    assert isinstance(storage, S3Storage)
    assert storage.description.startswith(s3_config["STORAGE_URL"] + "/ (http://127.0.0.1:")


def test_s3_credentials_may_come_from_the_environment(
    make_storage: MakeStorage, s3_config: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3_config["STORAGE_S3_ACCESS_KEY_ID"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3_config["STORAGE_S3_SECRET_ACCESS_KEY"])
    storage = make_storage("s3", STORAGE_S3_ACCESS_KEY_ID=None, STORAGE_S3_SECRET_ACCESS_KEY=None)
    storage.put("env.txt", b"ok", content_type="text/plain")
    assert storage.read("env.txt") == b"ok"


def test_s3_failures_are_storage_errors(make_storage: MakeStorage, s3_server: Any) -> None:
    storage = make_storage("s3", STORAGE_URL="s3://no-such-bucket-here/x")
    with pytest.raises(StorageError):
        storage.put("a.txt", b"x", content_type="text/plain")
    with pytest.raises(StorageError):
        list(storage.keys())


@pytest.mark.parametrize(
    "overrides",
    [
        {"STORAGE_S3_SERVE": "inline"},
        {"STORAGE_S3_ADDRESSING": "dns"},
        {"STORAGE_S3_URL_EXPIRES": "soon"},
        {"STORAGE_S3_URL_EXPIRES": 8 * 24 * 3600},
        {"STORAGE_S3_SECRET_ACCESS_KEY": None},
        {"STORAGE_URL": "s3://bucket/Upper/Case"},
    ],
)
def test_s3_configuration_mistakes_are_refused(make_storage: MakeStorage, overrides: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        make_storage("s3", **overrides)
