"""Photos and files: images in posts (re-encoded, metadata stripped), attachments, avatars,
brand assets; one storage interface (local files or S3); files follow their post's visibility."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from forum import jobs, settings, web_input
from forum.accounts.interfaces import PersonalData
from forum.audit import AuditVocabulary
from forum.discussions.interfaces import PostFiles
from forum.discussions.services import recook_post
from forum.interfaces import AdminSection, BackupFolder, DemoLoader
from forum.markup import Cooked, UploadResolver
from forum.plugins.manager import register_core
from forum.registry import contribute, provide

from . import audit_vocabulary, avatar_views, brand_views, composer, filters, images, personal_data, services
from .demo import load_demo_photos
from .limits import DEFAULTS
from .storage import LocalStorage
from .views import bp


class _PostFiles:
    """discussions' :class:`PostFiles`, implemented here."""

    def resolver(self, writer: Any) -> UploadResolver:
        return services.resolver_for(writer)

    def request_limit(self, writer: Any) -> int:
        return composer.request_limit(writer)

    def form_files(self, writer: Any) -> str:
        return composer.files_from_form(writer)

    def topic_image(self, topic_id: int) -> str | None:
        return services.topic_image(topic_id)

    def thumbnail_path(self, token: str) -> str:
        return services.thumbnail_path(token)

    def record(self, post: Any, cooked: Cooked, writer: Any, *, fetch_remote: bool = True) -> None:
        services.record_post_files(post, cooked.uploads, writer)
        if fetch_remote:
            services.queue_download(post, cooked.remote_images)


def init_app(app: Flask) -> None:
    for section in personal_data.SECTIONS:  # the member's data export and erasure (forum.privacy)
        contribute(app, PersonalData, section)
    app.register_blueprint(bp)
    web_input.allow_larger_requests(app, "uploads.upload", _upload_request_limit)
    settings.register_defaults(app, DEFAULTS)
    services.install_storage(app)
    images.register_heif_if_available()
    provide(app, PostFiles, _PostFiles())
    register_core(app, filters, "uploads.filters")
    register_core(app, composer, "uploads.composer")
    contribute(app, AuditVocabulary, audit_vocabulary.VOCABULARY)
    contribute(app, BackupFolder, BackupFolder("uploads", _local_folder))
    contribute(app, DemoLoader, load_demo_photos)
    contribute(app, AdminSection, AdminSection("uploads.admin_settings", _l("Uploads"),
                                               _l("sizes, quotas, attachment types, remote images, avatars")))
    jobs.register_job(app, jobs.JobType("uploads.collect", lambda _payload: _collect(), max_attempts=3))
    jobs.register_periodic(app, jobs.PeriodicJob("uploads.collect", {"minute": "17"}))
    jobs.register_job(app, jobs.JobType(services.DOWNLOAD_JOB, _download_remote_images, max_attempts=2))
    avatar_views.init_app(app)
    brand_views.init_app(app)


def _upload_request_limit() -> int:
    return composer.request_limit(current_user) if current_user.is_authenticated else 64 * 1024


def _local_folder() -> Path | None:
    storage = services.file_storage()
    return storage.root if isinstance(storage, LocalStorage) else None


def _collect() -> None:
    while services.collect_orphans():
        pass


def _download_remote_images(payload: dict[str, Any]) -> None:
    services.download_for_post(payload, recook_post)
