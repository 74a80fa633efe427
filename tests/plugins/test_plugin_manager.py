"""The plugin manager: discovery, safe mode, disabled plugins, failures, entry points, settings."""

from __future__ import annotations

import logging
import os
import sys
import textwrap
import types
from pathlib import Path
from typing import Any

import pluggy
import pytest

from forum.audit import AuditLog
from forum.discussions.models import Post, PostState
from forum.errors import PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.moderation.models import ReviewItem, ReviewReason
from forum.plugins import Draft, FilterContext, Verdict, VerdictKind, VerdictOrigin, combine, hookimpl, plugin_setting
from forum.plugins import manager as plugin_manager_module
from forum.plugins.manager import run_filters
from forum.plugins.settings import save_plugin_settings, set_plugin_enabled
from forum.settings import get_setting, set_setting
from tests.conftest import make_app
from tests.factories import make_category, make_user

HELLO = '''
from flask import Blueprint, render_template
from forum.plugins import SettingField, Verdict, hookimpl, plugin_setting

__plugin_name__ = "Hello test"
__version__ = "0.9"
__plugin_description__ = "A plugin used by the tests."

bp = Blueprint("t_hello", __name__, template_folder="templates", static_folder="static",
               static_url_path="/plugins/t_hello/static")


@bp.get("/hello")
def hello():
    return render_template("t_hello/page.html", greeting=plugin_setting("t_hello", "greeting"))


@hookimpl
def forum_load_blueprints(app):
    app.register_blueprint(bp)


@hookimpl
def forum_gather_settings_schema():
    return [
        SettingField("greeting", "Greeting", default="Ciao", required=True, max=20),
        SettingField("times", "Times", type="int", default=2, min=1, max=5),
        SettingField("loud", "Loud", type="bool", default=False),
        SettingField("mood", "Mood", type="choice", default="happy", choices=(("happy", "Happy"), ("calm", "Calm"))),
        SettingField("words", "Words", type="lines", default=[]),
    ]


@hookimpl
def forum_gather_admin_links():
    return [("Hello page", "t_hello.hello")]


@hookimpl
def forum_tpl_sidebar(user):
    raise RuntimeError("a broken slot must not break the page")


@hookimpl
def forum_tpl_navigation(user):
    return '<a href="/hello">HELLO-NAV</a>'


@hookimpl
def forum_filter_post(draft, author, context):
    if "censor-me" in draft.raw:
        return [Verdict.rewrite(draft.raw.replace("censor-me", "***")), Verdict.flag("asked to be flagged")]
    return None
'''

BOOM = '''
from forum.plugins import hookimpl


@hookimpl
def forum_filter_post(draft, author, context):
    if "explode" in draft.raw:
        raise ValueError("kaboom")
    return None
'''

BROKEN_IMPORT = '''
raise RuntimeError("this plugin cannot be imported")
'''

TYPO = '''
from forum.plugins import hookimpl


@hookimpl
def forum_post_creatd(post):
    pass
'''

NEVER = '''
import os
os.environ["T_NEVER_IMPORTED"] = "imported"
from forum.plugins import hookimpl


@hookimpl
def forum_filter_post(draft, author, context):
    raise AssertionError("a disabled plugin ran")
'''


def _write(base: Path, plugin_id: str, source: str, files: dict[str, str] | None = None) -> None:
    folder = base / plugin_id
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "__init__.py").write_text(textwrap.dedent(source))
    for rel, text in (files or {}).items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@pytest.fixture(scope="module")
def plugin_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("plugins")
    _write(base, "t_hello", HELLO, {
        "templates/t_hello/page.html": '{% extends "base.html" %}{% block content %}<p id="g">{{ greeting }}</p>'
                                       '{% endblock %}',
        "static/hello.css": "body { --hello: 1; }",
    })
    _write(base, "t_boom", BOOM)
    _write(base, "t_broken_import", BROKEN_IMPORT)
    return base


@pytest.fixture
def app_config(plugin_dir: Path) -> dict[str, Any]:
    # The bundled plugins' tables exist anyway: tests/plugins/conftest.py imported them.
    return {"PLUGIN_DIRS": (str(plugin_dir),)}


def _admin(client: Any) -> Any:
    admin = make_user(role="admin")
    client.login(admin.username)
    return admin


# --- discovery and loading ---------------------------------------------------------------------------

def test_folder_plugins_are_discovered_loaded_and_described(app):
    infos = app.extensions["forum.plugin_infos"]
    assert set(infos) == {"t_hello", "t_boom", "t_broken_import"}
    hello = infos["t_hello"]
    assert hello.loaded and hello.source == "folder" and hello.version == "0.9"
    assert hello.name == "Hello test" and hello.description == "A plugin used by the tests."
    assert not infos["t_broken_import"].loaded
    assert "cannot be imported" in infos["t_broken_import"].error


def test_plugin_blueprint_templates_and_static_files(client):
    page = client.get("/hello")
    assert page.status_code == 200
    assert '<p id="g">Ciao</p>' in page.get_data(as_text=True)
    static = client.get("/plugins/t_hello/static/hello.css")
    assert static.status_code == 200 and b"--hello" in static.data


def test_broken_slot_fails_open_and_other_slots_render(client, caplog):
    with caplog.at_level(logging.ERROR):
        page = client.get("/")
    assert page.status_code == 200
    assert "HELLO-NAV" in page.get_data(as_text=True)
    assert any("t_hello" in r.getMessage() and "forum_tpl_sidebar" in r.getMessage() for r in caplog.records)


def test_safe_mode_from_the_environment_loads_no_plugin(app, database_url, tmp_path, plugin_dir, monkeypatch):
    monkeypatch.setenv("FORUM_SAFE_MODE", "1")
    safe = make_app(database_url, tmp_path, PLUGIN_DIRS=(str(plugin_dir),))
    assert safe.extensions["forum.safe_mode"]
    infos = safe.extensions["forum.plugin_infos"]
    assert set(infos) == {"t_hello", "t_boom", "t_broken_import"}  # still listed in the admin
    assert not any(i.loaded for i in infos.values())
    pm = safe.extensions["forum.plugins"]
    assert all(i.plugin_name.startswith("core:") for i in pm.hook.forum_filter_post.get_hookimpls())
    assert "/hello" not in {r.rule for r in safe.url_map.iter_rules()}


def test_a_disabled_plugin_is_never_imported(app, database_url, tmp_path, monkeypatch):
    base = tmp_path / "more"
    _write(base, "t_never", NEVER)
    monkeypatch.delenv("T_NEVER_IMPORTED", raising=False)
    set_setting("disabled_plugins", ["t_never"])
    db.session.commit()
    other = make_app(database_url, tmp_path, PLUGIN_DIRS=(str(base),))
    info = other.extensions["forum.plugin_infos"]["t_never"]
    assert not info.enabled and not info.loaded
    assert "forum_plugins.t_never" not in sys.modules
    assert "T_NEVER_IMPORTED" not in os.environ
    assert other.extensions["forum.plugins"].is_blocked("t_never")


def test_a_misspelt_hook_fails_at_start_up(app, database_url, tmp_path):
    base = tmp_path / "typo"
    _write(base, "t_typo", TYPO)
    with pytest.raises(pluggy.PluginValidationError, match="forum_post_creatd"):
        make_app(database_url, tmp_path, PLUGIN_DIRS=(str(base),))


class _FakeEntryPoint:
    def __init__(self, name: str, module: types.ModuleType) -> None:
        self.name = name
        self.group = "forum.plugins"
        self.value = f"{module.__name__}"
        self._module = module
        self.loaded = 0

    def load(self) -> types.ModuleType:
        self.loaded += 1
        return self._module


def _package_plugin() -> types.ModuleType:
    module = types.ModuleType("t_installed_plugin")
    module.__version__ = "2.0"  # type: ignore[attr-defined]

    @hookimpl
    def forum_filter_post(draft: Any, author: Any, context: Any) -> Any:
        return Verdict.flag("installed plugin saw it") if "pkg" in draft.raw else None

    module.forum_filter_post = forum_filter_post  # type: ignore[attr-defined]
    return module


def test_entry_point_plugins_are_discovered_and_loaded(app, database_url, tmp_path, monkeypatch):
    ep = _FakeEntryPoint("t_pkg", _package_plugin())
    monkeypatch.setattr(plugin_manager_module, "entry_points",
                        lambda group: [ep] if group == "forum.plugins" else [])
    other = make_app(database_url, tmp_path, PLUGIN_DIRS=())
    info = other.extensions["forum.plugin_infos"]["t_pkg"]
    assert info.source == "package" and info.loaded and info.version == "2.0" and ep.loaded == 1
    with other.test_request_context():
        verdict, _all = run_filters("forum_filter_post", draft=Draft(raw="pkg text"), author=None,
                                    context=FilterContext(kind="reply"))
    assert verdict.kind == VerdictKind.FLAG and verdict.plugin == "t_pkg"


def test_a_disabled_entry_point_plugin_is_not_loaded(app, database_url, tmp_path, monkeypatch):
    ep = _FakeEntryPoint("t_pkg_off", _package_plugin())
    monkeypatch.setattr(plugin_manager_module, "entry_points", lambda group: [ep])
    set_setting("disabled_plugins", ["t_pkg_off"])
    db.session.commit()
    other = make_app(database_url, tmp_path, PLUGIN_DIRS=())
    assert not other.extensions["forum.plugin_infos"]["t_pkg_off"].loaded
    assert ep.loaded == 0


# --- filters ----------------------------------------------------------------------------------------

def test_a_plugin_that_raises_sends_the_post_to_review_and_is_named_in_the_log(client, caplog):
    member = make_user()
    category = make_category()
    client.login(member.username)
    with caplog.at_level(logging.ERROR, logger="forum.plugins.manager"):
        response = client.post_form("/new-topic", {"category": category.id, "title": "Please explode now",
                                                   "body": "This post will explode the filter."})
    assert response.status_code == 302
    post = db.session.scalars(db.select(Post).where(Post.user_id == member.id)).one()
    assert post.state == PostState.PENDING
    # The queue knows it from the verdict's structured fields (failed), not from its prose.
    item = db.session.scalars(db.select(ReviewItem).where(ReviewItem.post_id == post.id)).one()
    assert item.reason_code == ReviewReason.PLUGIN_ERROR
    messages = [r.getMessage() for r in caplog.records]
    assert any("t_boom" in m and "forum_filter_post" in m for m in messages)


def test_a_failed_plugin_is_marked_failed_and_others_are_not(app):
    with app.test_request_context():
        verdict, verdicts = run_filters("forum_filter_post", draft=Draft(raw="explode, and censor-me"),
                                        author=None, context=FilterContext(kind="reply"))
    by_plugin = {v.plugin: v for v in verdicts if v.origin == VerdictOrigin.PLUGIN}
    assert by_plugin["t_boom"].failed and by_plugin["t_boom"].kind == VerdictKind.REQUIRE_APPROVAL
    assert not by_plugin["t_hello"].failed
    assert verdict.failed and verdict.plugin == "t_boom"


def test_a_plugin_may_return_several_verdicts(client):
    member = make_user()
    category = make_category()
    client.login(member.username)
    client.post_form("/new-topic", {"category": category.id, "title": "Verdict lists",
                                    "body": "Please censor-me in this post."})
    post = db.session.scalars(db.select(Post).where(Post.user_id == member.id)).one()
    assert post.raw == "Please *** in this post."  # the rewrite applies although the post is flagged
    assert post.state == PostState.PUBLISHED
    assert "asked to be flagged" in (post.state_reason or "")


def test_verdicts_combine_deterministically():
    verdicts = [Verdict.rewrite("x"), Verdict.flag("f"), Verdict.require_approval("r"), Verdict.allow()]
    assert combine(verdicts).kind == VerdictKind.REQUIRE_APPROVAL
    assert combine([*verdicts, Verdict.reject("no")]).kind == VerdictKind.REJECT
    assert combine(list(reversed(verdicts))) == combine(verdicts)
    assert combine([]).kind == VerdictKind.ALLOW


def test_invalid_return_values_hold_the_post(app, monkeypatch):
    class Odd:
        @hookimpl
        def forum_filter_post(self, draft: Any, author: Any, context: Any) -> Any:
            return "not a verdict"

    pm = app.extensions["forum.plugins"]
    pm.register(Odd(), name="t_odd")
    try:
        with app.test_request_context():
            verdict, _all = run_filters("forum_filter_post", draft=Draft(raw="hello"), author=None,
                                        context=FilterContext(kind="reply"))
    finally:
        pm.unregister(name="t_odd")
    assert verdict.kind == VerdictKind.REQUIRE_APPROVAL and verdict.plugin == "t_odd"
    assert verdict.failed and verdict.origin == VerdictOrigin.PLUGIN


def test_form_extras_reach_the_filter_context(app):
    seen: list[Any] = []

    class Spy:
        @hookimpl
        def forum_filter_post(self, draft: Any, author: Any, context: Any) -> Any:
            seen.append(context.extra)

        @hookimpl
        def forum_filter_registration(self, form_data: Any, context: Any) -> Any:
            seen.append(form_data["extra"])

    pm = app.extensions["forum.plugins"]
    pm.register(Spy(), name="t_spy")
    try:
        with app.test_request_context("/x", method="POST", data={"pf_t_spy__x": "1", "body": "hidden"}):
            plugin_manager_module.use_form_extras("reply")
            run_filters("forum_filter_post", draft=Draft(raw="a"), author=None, context=FilterContext(kind="reply"))
            run_filters("forum_filter_registration", form_data={"username": "u"}, context={"kind": "registration"})
        with app.test_request_context():
            run_filters("forum_filter_post", draft=Draft(raw="a"), author=None, context=FilterContext(kind="reply"))
    finally:
        pm.unregister(name="t_spy")
    assert seen[0] == {"form": "reply", "pf_t_spy__x": "1"}  # only the plugins' own inputs
    assert seen[1] == {"form": "reply", "pf_t_spy__x": "1"}
    assert seen[2] == {}


# --- admin: list, enable/disable, settings -------------------------------------------------------------

def test_admin_lists_plugins_with_their_status(client):
    _admin(client)
    html = client.get("/admin/plugins").get_data(as_text=True)
    assert "Hello test" in html and "0.9" in html and "A plugin used by the tests." in html
    assert "Failed to load" in html and "cannot be imported" in html
    assert "takes effect when the server restarts" in html
    assert "/admin/plugins/t_hello/settings" in html and "Hello page" in html
    assert client.get("/admin/").get_data(as_text=True).count("/admin/plugins") >= 2  # nav and dashboard


def test_admin_disables_and_enables_a_plugin_for_the_next_start(client, app):
    admin = _admin(client)
    response = client.post_form("/admin/plugins/t_hello/disable")
    assert response.status_code == 302
    assert get_setting("disabled_plugins") == sorted({"t_hello", *app.config["DEFAULT_DISABLED_PLUGINS"]})
    html = client.get("/admin/plugins").get_data(as_text=True)
    assert "Will be disabled at the next restart" in html
    assert client.get("/hello").status_code == 200  # still loaded until the restart
    client.post_form("/admin/plugins/t_hello/enable")
    db.session.expire_all()
    assert get_setting("disabled_plugins") == sorted(app.config["DEFAULT_DISABLED_PLUGINS"])
    actions = db.session.scalars(db.select(AuditLog.action).where(AuditLog.actor_id == admin.id)).all()
    assert actions == ["plugin.disable", "plugin.enable"]
    assert client.post_form("/admin/plugins/nope/disable").status_code == 404


def test_plugin_admin_is_for_admins_only(client):
    assert client.get("/admin/plugins").status_code == 404
    moderator = make_user(role="moderator")
    client.login(moderator.username)
    assert client.get("/admin/plugins").status_code == 403
    assert client.get("/admin/plugins/t_hello/settings").status_code == 403
    assert client.post_form("/admin/plugins/t_hello/disable").status_code == 403
    with pytest.raises(PermissionDenied):
        set_plugin_enabled(moderator, "t_hello", False)


def test_settings_form_renders_the_schema_and_validates_by_type(client):
    _admin(client)
    page = client.get("/admin/plugins/t_hello/settings").get_data(as_text=True)
    for label in ("Greeting", "Times", "Loud", "Mood", "Words"):
        assert label in page
    assert 'value="Ciao"' in page
    bad = client.post_form("/admin/plugins/t_hello/settings", {"greeting": "", "times": "9", "mood": "angry"})
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "This field is required." in text and "Use 5 or less." in text and "Choose one of the options." in text
    assert plugin_setting("t_hello", "times") == 2  # nothing saved
    good = client.post_form("/admin/plugins/t_hello/settings", {
        "greeting": "Salve", "times": "4", "loud": "y", "mood": "calm", "words": "uno\n\n due \n"})
    assert good.status_code == 302
    db.session.expire_all()
    assert plugin_setting("t_hello", "greeting") == "Salve"
    assert plugin_setting("t_hello", "times") == 4
    assert plugin_setting("t_hello", "loud") is True
    assert plugin_setting("t_hello", "mood") == "calm"
    assert plugin_setting("t_hello", "words") == ["uno", "due"]
    assert '<p id="g">Salve</p>' in client.get("/hello").get_data(as_text=True)
    assert client.get("/admin/plugins/t_boom/settings").status_code == 404  # no schema


def test_settings_validation_in_the_service(app):
    admin = make_user(role="admin")
    with app.test_request_context():
        with pytest.raises(ValidationFailed) as exc:
            save_plugin_settings(admin, "t_hello", {"greeting": "x" * 21, "times": "two", "mood": "calm"})
        assert set(exc.value.errors) == {"greeting", "times"}
        values = save_plugin_settings(admin, "t_hello", {"greeting": "Hi", "times": "", "mood": "calm",
                                                         "loud": "", "words": ["a", " "]})
    assert values == {"greeting": "Hi", "times": 2, "loud": False, "mood": "calm", "words": ["a"]}
