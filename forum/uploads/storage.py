"""Where uploaded files live: one interface, a local directory or an S3 bucket behind it.

Policy
------
- **Keys are the app's, never a user's.** The app generates every key (``avatars/ab/<hash>.webp``);
  :func:`validate_key` refuses anything outside ``[a-z0-9/_.-]``, a leading ``/``, ``..``, empty
  or ``.`` segments and keys over 200 characters, so a key can never name a file outside the
  storage root, and the same key means the same object on disk, in S3 and in an nginx URI.
  Every method of every backend validates its key first (``ValueError``).
- **Writes are atomic.** A reader sees the old bytes or the new bytes, never a partial file:
  locally a temporary file in the key's directory (its name starts with ``~``, outside the key
  alphabet, so it is never mistaken for a key) is fsynced, then ``os.replace``-d over the key;
  S3's ``PutObject`` is atomic by itself. Files are written with mode ``0o640``.
- **Errors:** a missing key raises ``FileNotFoundError`` from :meth:`FileStorage.read` (and from
  :meth:`FileStorage.response` where the backend can tell without an extra round trip); deleting
  a missing key is not an error (the GC job retries). Any other backend failure (permissions, a
  full disk, S3 unreachable or refusing) raises :class:`StorageError`.
- **Serving** (:meth:`FileStorage.response`, called inside a request): the caller decides the
  ``Content-Type`` (the upload's checked type, never guessed from the key), ``Cache-Control``,
  and whether the file is a download (``download_name``: ``attachment`` with an RFC 6266
  ``filename="ascii fallback"`` and, for other names, RFC 5987 ``filename*=UTF-8''...``) or shown
  ``inline``. Security headers (CSP, ``nosniff``) stay the app's after-request job.

Local storage (``FORUM_STORAGE_URL`` unset, ``local`` or ``file:///abs/path``)
------------------------------------------------------------------------------
Files are under ``<instance>/uploads`` by default. Served by ``flask.send_file`` with
``conditional=True``: ``ETag``/``If-None-Match`` (304) and ``Range`` (206) work. Flask's own
``USE_X_SENDFILE = True`` works unchanged (``X-Sendfile`` for Apache mod_xsendfile / lighttpd).

For nginx, set ``FORUM_STORAGE_LOCAL_ACCEL_REDIRECT=/_protected_uploads/``: the app then answers
with an empty body and ``X-Accel-Redirect: /_protected_uploads/<key>`` and nginx sends the file
itself (with its own ``ETag``/``Last-Modified``, 304s and ranges). nginx needs an ``internal``
location, so no client can request those URIs directly, and must be able to read the files
(mode ``0o640``: nginx's user in the app user's group)::

    location /_protected_uploads/ {
        internal;
        alias /srv/circolo/instance/uploads/;
        add_header Content-Security-Policy "default-src 'none'; sandbox" always;
        add_header X-Content-Type-Options nosniff always;
    }

Why the ``add_header`` lines: on an X-Accel-Redirect nginx makes an internal redirect and keeps
only these headers of the app's response: ``Content-Type``, ``Content-Disposition``,
``Cache-Control``, ``Expires``, ``Accept-Ranges`` and ``Set-Cookie`` (the upstream header table's
``redirect`` flag in ngx_http_upstream.c). Every other header the app set, CSP and
``X-Content-Type-Options`` included, is dropped, and the app's ``ETag`` is replaced by nginx's
own. ``always`` adds them to error answers (404) too, and ``add_header`` in a location replaces,
not extends, the server-level ones, so list every security header the uploads need there.

S3 storage (``FORUM_STORAGE_URL=s3://bucket/prefix``)
-----------------------------------------------------
boto3 is an optional extra (``pip install circolo[s3]``), imported only when S3 is configured.
Endpoint, region and credentials come from ``STORAGE_S3_ENDPOINT_URL``, ``STORAGE_S3_REGION``,
``STORAGE_S3_ACCESS_KEY_ID`` / ``STORAGE_S3_SECRET_ACCESS_KEY`` (unset: boto3's own chain of
environment, config files and instance roles); ``STORAGE_S3_ADDRESSING`` is ``path`` (default
when an endpoint is set: MinIO, Garage, Ceph) or ``virtual``. Some S3-compatible stores refuse
the CRC checksums boto3 >= 1.36 sends by default; set ``AWS_REQUEST_CHECKSUM_CALCULATION=
when_required`` (and ``AWS_RESPONSE_CHECKSUM_VALIDATION=when_required``) for them.

``STORAGE_S3_SERVE`` chooses how a file reaches the browser:

- ``redirect`` (default): a 302 to a presigned GET URL valid ``STORAGE_S3_URL_EXPIRES`` seconds
  (default 300), carrying the ``Content-Type``, ``Content-Disposition`` and ``Cache-Control``
  overrides S3 answers with. The redirect itself is ``Cache-Control: private`` for a little less
  than the signature's life, so a browser never follows a cached redirect to an expired URL.
  The bucket needs no public access; the object's own ``Cache-Control`` only helps while the
  redirect is cached, since every signature is a new URL.
- ``proxy``: the app streams the object itself (for buckets the browser cannot reach, or a CSP
  that must not name the bucket's host). A given ``etag`` answers ``If-None-Match`` with 304
  without fetching the object; ranges are not supported.

Tests run against moto's server, which does **not** verify presigned URL signatures: they check
what the app does (a SigV4 URL with its signature and expiry, the header overrides S3 returns),
not that S3 would refuse a tampered or expired URL.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, Literal, Protocol
from urllib.parse import quote, unquote, urlsplit

import flask
from werkzeug.http import is_resource_modified, quote_etag

KEY_MAX_LENGTH = 200
FILE_MODE = 0o640
DIRECTORY_MODE = 0o750
S3_CHUNK_BYTES = 64 * 1024
# The longest a SigV4 presigned URL may live.
S3_URL_EXPIRES_MAX = 7 * 24 * 3600
# A cached redirect must still lead to a valid URL once the browser follows it.
_REDIRECT_SAFETY_SECONDS = 30

_KEY_RE = re.compile(r"[a-z0-9_.-]+(?:/[a-z0-9_.-]+)*", re.ASCII)
_PREFIX_RE = re.compile(r"[a-z0-9/_.-]*", re.ASCII)
# RFC 5987 attr-char minus ALPHA / DIGIT, which quote() keeps anyway.
_ATTR_CHAR_SAFE = "!#$&+-.^_`|~"
_FALLBACK_UNSAFE_RE = re.compile(r'[^\x20-\x7e]|["\\/]')

ServeMode = Literal["redirect", "proxy"]


class StorageError(Exception):
    """The storage backend failed: permissions, a full disk, S3 unreachable or refusing."""


class FileStorage(Protocol):
    """What the uploads code needs from a place to keep files (see the module's policy)."""

    description: str  # where the files are, for the admin pages and the CLI ("local: /srv/...")

    def put(self, key: str, data: bytes, *, content_type: str) -> None:
        """Store ``data`` under ``key``, replacing it atomically if present."""
        ...

    def read(self, key: str) -> bytes:
        """The stored bytes; ``FileNotFoundError`` when missing."""
        ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove ``key``; missing is fine."""
        ...

    def keys(self, prefix: str = "") -> Iterator[str]:
        """Every stored key starting with ``prefix`` (a string prefix, as in S3), any order."""
        ...

    def response(
        self,
        key: str,
        *,
        content_type: str,
        cache_control: str,
        download_name: str | None = None,
        etag: str | None = None,
    ) -> flask.Response:
        """The answer serving ``key`` to the current request."""
        ...


def validate_key(key: str) -> str:
    """``key`` itself when it is a key the app could have generated, else ``ValueError``."""
    if (
        not isinstance(key, str)
        or len(key) > KEY_MAX_LENGTH
        or _KEY_RE.fullmatch(key) is None
        or ".." in key
        or "." in key.split("/")
    ):
        raise ValueError(f"invalid storage key: {key!r}")
    return key


def _validate_prefix(prefix: str) -> str:
    if (
        len(prefix) > KEY_MAX_LENGTH
        or _PREFIX_RE.fullmatch(prefix) is None
        or prefix.startswith("/")
        or ".." in prefix
        or "//" in prefix
    ):
        raise ValueError(f"invalid storage key prefix: {prefix!r}")
    return prefix


def content_disposition(download_name: str | None) -> str:
    """``inline``, or ``attachment`` with an ASCII ``filename`` and, when needed, ``filename*``.

    The fallback drops what old clients would choke on (non-ASCII after NFKD folding, quotes,
    backslashes, slashes, control characters); ``filename*`` carries the exact name (RFC 5987).
    """
    if download_name is None:
        return "inline"
    folded = unicodedata.normalize("NFKD", download_name).encode("ascii", "ignore").decode("ascii")
    fallback = _FALLBACK_UNSAFE_RE.sub("", folded).strip() or "download"
    value = f'attachment; filename="{fallback}"'
    if fallback != download_name:
        value += f"; filename*=UTF-8''{quote(download_name, safe=_ATTR_CHAR_SAFE)}"
    return value


# --------------------------------------------------------------------------------------------
# Local directory
# --------------------------------------------------------------------------------------------


@contextmanager
def _local_errors() -> Iterator[None]:
    try:
        yield
    except FileNotFoundError:
        raise
    except OSError as error:
        raise StorageError(f"local storage: {error}") from error


class LocalStorage:
    """Files under ``root``, one per key (``root/avatars/ab/cd.webp``)."""

    def __init__(self, root: str | os.PathLike[str], *, accel_redirect_prefix: str | None = None) -> None:
        self.root = Path(root).resolve()
        if accel_redirect_prefix is not None and not (
            accel_redirect_prefix.startswith("/") and accel_redirect_prefix.endswith("/")
        ):
            raise ValueError("STORAGE_LOCAL_ACCEL_REDIRECT must start and end with '/'")
        self.accel_redirect_prefix = accel_redirect_prefix
        self.description = f"local: {self.root}"

    def path(self, key: str) -> Path:
        return self.root / validate_key(key)

    def put(self, key: str, data: bytes, *, content_type: str) -> None:
        target = self.path(key)
        with _local_errors():
            target.parent.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
            descriptor, temporary = tempfile.mkstemp(prefix="~put-", dir=target.parent)
            try:
                with os.fdopen(descriptor, "wb") as file:
                    os.fchmod(file.fileno(), FILE_MODE)
                    file.write(data)
                    file.flush()
                    # Without it a crash soon after the rename can leave an empty file.
                    os.fsync(file.fileno())
                os.replace(temporary, target)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise

    def read(self, key: str) -> bytes:
        path = self.path(key)
        with _local_errors():
            try:
                return path.read_bytes()
            except IsADirectoryError:
                raise FileNotFoundError(key) from None

    def exists(self, key: str) -> bool:
        path = self.path(key)
        with _local_errors():
            return path.is_file()

    def delete(self, key: str) -> None:
        path = self.path(key)
        # A directory is not a key: nothing is stored under that name.
        with _local_errors(), suppress(IsADirectoryError):
            path.unlink(missing_ok=True)

    def keys(self, prefix: str = "") -> Iterator[str]:
        _validate_prefix(prefix)
        # Walk only the deepest directory the prefix names in full.
        start = self.root / prefix.rpartition("/")[0]
        if not start.is_dir():
            return
        with _local_errors():
            for directory, subdirectories, files in os.walk(start, onerror=_raise):
                subdirectories.sort()
                relative = Path(directory).relative_to(self.root).as_posix()
                for name in sorted(files):
                    key = name if relative == "." else f"{relative}/{name}"
                    if key.startswith(prefix) and _is_key(key):  # skips writes in flight (~put-*)
                        yield key

    def response(
        self,
        key: str,
        *,
        content_type: str,
        cache_control: str,
        download_name: str | None = None,
        etag: str | None = None,
    ) -> flask.Response:
        path = self.path(key)
        if not path.is_file():
            raise FileNotFoundError(key)
        disposition = content_disposition(download_name)
        if self.accel_redirect_prefix is not None:
            # nginx answers conditional and range requests itself, with its own ETag.
            return flask.Response(
                b"",
                headers={
                    "X-Accel-Redirect": self.accel_redirect_prefix + key,
                    "Content-Type": content_type,
                    "Content-Disposition": disposition,
                    "Cache-Control": cache_control,
                },
            )
        response = flask.send_file(
            path,
            mimetype=content_type,
            conditional=True,
            etag=etag if etag is not None else True,
        )
        # send_file derives these (charset on text/*, no-cache, inline; filename=<key's name>);
        # the caller's values are the policy.
        if response.status_code != 304:
            response.headers["Content-Type"] = content_type
        response.headers["Content-Disposition"] = disposition
        response.headers["Cache-Control"] = cache_control
        response.headers.pop("Expires", None)
        return response


def _raise(error: OSError) -> None:
    # An audit that silently skipped an unreadable directory would lie; one that vanished is empty.
    if not isinstance(error, FileNotFoundError):
        raise error


def _is_key(key: str) -> bool:
    try:
        validate_key(key)
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------------------------
# S3 (and S3-compatible) bucket
# --------------------------------------------------------------------------------------------

_S3_MISSING_CODES = frozenset({"NoSuchKey", "404", "NotFound"})


@contextmanager
def _s3_errors(key: str) -> Iterator[None]:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", ""))
        if code in _S3_MISSING_CODES:
            raise FileNotFoundError(key) from error
        raise StorageError(f"S3 refused ({code or 'no code'}) for {key!r}: {error}") from error
    except BotoCoreError as error:
        raise StorageError(f"S3 failed for {key!r}: {error}") from error


class S3Storage:
    """Objects ``<prefix><key>`` in ``bucket``, through a boto3 S3 ``client``."""

    def __init__(
        self,
        bucket: str,
        prefix: str,
        client: Any,
        serve: ServeMode = "redirect",
        url_expires: int = 300,
    ) -> None:
        if serve not in ("redirect", "proxy"):
            raise ValueError(f"STORAGE_S3_SERVE must be 'redirect' or 'proxy', not {serve!r}")
        if not 1 <= url_expires <= S3_URL_EXPIRES_MAX:
            raise ValueError(f"STORAGE_S3_URL_EXPIRES must be 1..{S3_URL_EXPIRES_MAX} seconds")
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        self.bucket = bucket
        self.prefix = _validate_prefix(prefix)
        self.client = client
        self.serve = serve
        self.url_expires = url_expires
        self.description = f"s3://{bucket}/{prefix} ({client.meta.endpoint_url})"

    def _object_key(self, key: str) -> str:
        return self.prefix + validate_key(key)

    def put(self, key: str, data: bytes, *, content_type: str) -> None:
        object_key = self._object_key(key)
        with _s3_errors(key):
            self.client.put_object(Bucket=self.bucket, Key=object_key, Body=data, ContentType=content_type)

    def read(self, key: str) -> bytes:
        object_key = self._object_key(key)
        with _s3_errors(key):
            stored = self.client.get_object(Bucket=self.bucket, Key=object_key)
            with stored["Body"] as body:
                return bytes(body.read())

    def exists(self, key: str) -> bool:
        object_key = self._object_key(key)
        try:
            with _s3_errors(key):
                self.client.head_object(Bucket=self.bucket, Key=object_key)
        except FileNotFoundError:
            return False
        return True

    def delete(self, key: str) -> None:
        object_key = self._object_key(key)
        with _s3_errors(key):  # S3 answers 204 for a missing key too
            self.client.delete_object(Bucket=self.bucket, Key=object_key)

    def keys(self, prefix: str = "") -> Iterator[str]:
        _validate_prefix(prefix)
        paginator = self.client.get_paginator("list_objects_v2")
        with _s3_errors(prefix):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + prefix):
                for entry in page.get("Contents", []):
                    yield entry["Key"][len(self.prefix) :]

    def response(
        self,
        key: str,
        *,
        content_type: str,
        cache_control: str,
        download_name: str | None = None,
        etag: str | None = None,
    ) -> flask.Response:
        object_key = self._object_key(key)
        disposition = content_disposition(download_name)
        if self.serve == "redirect":
            return self._redirect(key, object_key, content_type, cache_control, disposition)
        return self._proxy(key, object_key, content_type, cache_control, disposition, etag)

    def _redirect(
        self, key: str, object_key: str, content_type: str, cache_control: str, disposition: str
    ) -> flask.Response:
        with _s3_errors(key):
            url = self.client.generate_presigned_url(
                "get_object",
                Params={
                    "Bucket": self.bucket,
                    "Key": object_key,
                    "ResponseContentType": content_type,
                    "ResponseContentDisposition": disposition,
                    "ResponseCacheControl": cache_control,
                },
                ExpiresIn=self.url_expires,
            )
        redirect_max_age = max(self.url_expires - _REDIRECT_SAFETY_SECONDS, 0)
        return flask.Response(
            b"",
            status=302,
            headers={"Location": url, "Cache-Control": f"private, max-age={redirect_max_age}"},
        )

    def _proxy(
        self,
        key: str,
        object_key: str,
        content_type: str,
        cache_control: str,
        disposition: str,
        etag: str | None,
    ) -> flask.Response:
        headers = {"Content-Disposition": disposition, "Cache-Control": cache_control}
        if etag is not None:
            headers["ETag"] = quote_etag(etag)
            if not is_resource_modified(flask.request.environ, etag=etag):
                return flask.Response(status=304, headers=headers)
        with _s3_errors(key):
            stored = self.client.get_object(Bucket=self.bucket, Key=object_key)
        body = stored["Body"]

        def chunks() -> Iterator[bytes]:
            try:
                with _s3_errors(key):
                    yield from body.iter_chunks(S3_CHUNK_BYTES)
            finally:
                body.close()

        response = flask.Response(chunks(), headers=headers, direct_passthrough=True)
        response.headers["Content-Type"] = content_type
        response.headers["Content-Length"] = str(stored["ContentLength"])
        # The generator's finally never runs if the server drops the response unstarted.
        response.call_on_close(body.close)
        return response


# --------------------------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------------------------


def storage_from_config(config: Mapping[str, Any], instance_path: str) -> FileStorage:
    """The storage ``STORAGE_URL`` (env ``FORUM_STORAGE_URL``) names; ``ValueError`` if it cannot."""
    url = str(config.get("STORAGE_URL") or "").strip()
    if url in ("", "local"):
        return LocalStorage(Path(instance_path) / "uploads", accel_redirect_prefix=_accel_prefix(config))
    parts = urlsplit(url)
    if parts.scheme == "file":
        path = unquote(parts.path)
        if parts.netloc not in ("", "localhost") or not path.startswith("/"):
            raise ValueError(f"FORUM_STORAGE_URL: a file URL needs an absolute path (file:///srv/uploads), not {url!r}")
        return LocalStorage(path, accel_redirect_prefix=_accel_prefix(config))
    if parts.scheme == "s3":
        if not parts.netloc:
            raise ValueError(f"FORUM_STORAGE_URL: an S3 URL names its bucket (s3://bucket/prefix), not {url!r}")
        return _s3_storage_from_config(config, parts.netloc, parts.path.strip("/"))
    raise ValueError(f"FORUM_STORAGE_URL must be empty, 'local', file:///path or s3://bucket/prefix, not {url!r}")


def _accel_prefix(config: Mapping[str, Any]) -> str | None:
    return str(config.get("STORAGE_LOCAL_ACCEL_REDIRECT") or "") or None


def _s3_storage_from_config(config: Mapping[str, Any], bucket: str, prefix: str) -> S3Storage:
    try:
        import boto3
        from botocore.config import Config
    except ImportError as error:  # pragma: no cover - depends on the installation
        raise ValueError("FORUM_STORAGE_URL=s3://... needs boto3: pip install 'circolo[s3]'") from error

    endpoint_url = str(config.get("STORAGE_S3_ENDPOINT_URL") or "") or None
    addressing = str(config.get("STORAGE_S3_ADDRESSING") or ("path" if endpoint_url else "auto"))
    if addressing not in ("path", "virtual", "auto"):
        raise ValueError(f"STORAGE_S3_ADDRESSING must be 'path' or 'virtual', not {addressing!r}")
    access_key_id = config.get("STORAGE_S3_ACCESS_KEY_ID") or None
    secret_access_key = config.get("STORAGE_S3_SECRET_ACCESS_KEY") or None
    if (access_key_id is None) != (secret_access_key is None):
        raise ValueError("set both STORAGE_S3_ACCESS_KEY_ID and STORAGE_S3_SECRET_ACCESS_KEY, or neither")
    serve = str(config.get("STORAGE_S3_SERVE") or "redirect")
    if serve not in ("redirect", "proxy"):
        raise ValueError(f"STORAGE_S3_SERVE must be 'redirect' or 'proxy', not {serve!r}")
    try:
        url_expires = int(config.get("STORAGE_S3_URL_EXPIRES") or 300)
    except (TypeError, ValueError) as error:
        raise ValueError("STORAGE_S3_URL_EXPIRES must be a number of seconds") from error

    # A session of our own: boto3's default session is shared, and not thread-safe to set up.
    client = boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=config.get("STORAGE_S3_REGION") or None,
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_access_key,
        # SigV4 everywhere: the only presigned-URL signature every region and S3-compatible accepts.
        config=Config(signature_version="s3v4", s3={"addressing_style": addressing}),
    )
    return S3Storage(bucket, prefix, client, serve="proxy" if serve == "proxy" else "redirect", url_expires=url_expires)
