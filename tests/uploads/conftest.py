"""A real S3-compatible server (moto's, in a thread) and the upload storages built on it.

One moto server per test process (each xdist worker has its own, on a free port); each test
gets a fresh key prefix in its bucket, or a fresh directory, so tests never see each other's files.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from forum.uploads.storage import FileStorage, storage_from_config

S3_BUCKET = "circolo-test-uploads"
S3_REGION = "us-east-1"
S3_ACCESS_KEY_ID = "test-access-key"
S3_SECRET_ACCESS_KEY = "test-secret-key"


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str
    bucket: str


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint_url = f"http://{host}:{port}"
    client = boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=S3_REGION,
        aws_access_key_id=S3_ACCESS_KEY_ID,
        aws_secret_access_key=S3_SECRET_ACCESS_KEY,
    )
    client.create_bucket(Bucket=S3_BUCKET)
    yield S3Server(endpoint_url=endpoint_url, bucket=S3_BUCKET)
    server.stop()


@pytest.fixture
def s3_config(s3_server: S3Server) -> dict[str, Any]:
    """Configuration of an S3 storage under a prefix no other test uses."""
    return {
        "STORAGE_URL": f"s3://{s3_server.bucket}/test-{uuid.uuid4().hex}",
        "STORAGE_S3_ENDPOINT_URL": s3_server.endpoint_url,
        "STORAGE_S3_REGION": S3_REGION,
        "STORAGE_S3_ACCESS_KEY_ID": S3_ACCESS_KEY_ID,
        "STORAGE_S3_SECRET_ACCESS_KEY": S3_SECRET_ACCESS_KEY,
    }


@pytest.fixture
def make_storage(tmp_path: Path, request: pytest.FixtureRequest) -> Callable[..., FileStorage]:
    """``make_storage("local" | "s3", **config)``: a storage built by storage_from_config.

    The moto server starts only for the first test that asks for S3.
    """

    def make(backend: str, **overrides: Any) -> FileStorage:
        if backend == "local":
            config: dict[str, Any] = {"STORAGE_URL": "local"}
        elif backend == "s3":
            config = dict(request.getfixturevalue("s3_config"))
        else:
            raise AssertionError(f"unknown storage backend {backend!r}")
        config.update(overrides)
        return storage_from_config(config, str(tmp_path / "instance"))

    return make


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, make_storage: Callable[..., FileStorage]) -> FileStorage:
    """Each backend in turn, as configured by default."""
    return make_storage(request.param)
