"""Staff groups, memberships (one primary, denormalised flag), expert badges and their admin pages."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum.accounts.models import User
from forum.audit import AuditLog
from forum.errors import PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.staff import services as staff
from forum.staff.models import ExpertBadge, StaffGroup, StaffMembership
from tests.factories import group_named, make_staff, make_user


@pytest.fixture
def rctx(app):
    """Translated error messages need a request (the locale comes from it)."""
    with app.test_request_context():
        yield app


def memberships(user: User) -> list[tuple[str, bool]]:
    rows = db.session.execute(select(StaffGroup.name, StaffMembership.is_primary)
                              .join(StaffGroup, StaffGroup.id == StaffMembership.group_id)
                              .where(StaffMembership.user_id == user.id).order_by(StaffMembership.id)).all()
    return [(n, bool(p)) for n, p in rows]


def test_group_membership_keeps_flag_and_one_primary(rctx) -> None:
    admin = make_user(role="admin")
    care = staff.save_group(admin, None, {"name": "Customer Care", "color": "#1e7a46",
                                          "default_title": "Support"})
    product = staff.save_group(admin, None, {"name": "Product", "label": "Product team", "icon": "🛠"})
    giulia = make_user("giulia")
    assert giulia.is_staff_member is False

    staff.add_member(admin, care, giulia)
    assert giulia.is_staff_member is True
    assert memberships(giulia) == [("Customer Care", True)]

    staff.add_member(admin, product, giulia)
    assert memberships(giulia) == [("Customer Care", True), ("Product", False)]
    assert staff.primary_group(giulia).name == "Customer Care"
    assert [g.name for g in staff.staff_groups(giulia)] == ["Customer Care", "Product"]

    product_membership = db.session.scalar(select(StaffMembership).where(StaffMembership.group_id == product.id))
    staff.set_primary(admin, product_membership)
    assert memberships(giulia) == [("Customer Care", False), ("Product", True)]
    assert staff.primary_group(giulia).label == "Product team"

    # Removing the primary promotes the remaining group; removing the last clears the flag.
    staff.remove_member(admin, product_membership)
    assert memberships(giulia) == [("Customer Care", True)]
    assert giulia.is_staff_member is True
    staff.remove_member(admin, db.session.scalar(select(StaffMembership)))
    assert memberships(giulia) == []
    db.session.refresh(giulia)
    assert giulia.is_staff_member is False
    actions = set(db.session.scalars(select(AuditLog.action)))
    assert {"staff_group.create", "staff.member_add", "staff.member_remove"} <= actions


def test_add_primary_moves_the_primary_and_duplicates_are_refused(rctx) -> None:
    admin = make_user(role="admin")
    a = staff.save_group(admin, None, {"name": "A team"})
    b = staff.save_group(admin, None, {"name": "B team"})
    user = make_user()
    staff.add_member(admin, a, user)
    staff.add_member(admin, b, user, primary=True)
    assert memberships(user) == [("A team", False), ("B team", True)]
    with pytest.raises(ValidationFailed):
        staff.add_member(admin, a, user)


def test_group_validation_and_admin_only(rctx) -> None:
    admin = make_user(role="admin")
    staff.save_group(admin, None, {"name": "Product"})
    with pytest.raises(ValidationFailed) as exc:
        staff.save_group(admin, None, {"name": "product", "color": "red"})
    assert set(exc.value.errors) == {"name", "color"}
    with pytest.raises(ValidationFailed) as exc:
        staff.save_group(admin, None, {"name": "X", "icon": "too long an icon"})
    assert "icon" in exc.value.errors
    for role in ("member", "moderator"):
        with pytest.raises(PermissionDenied):
            staff.save_group(make_user(role=role), None, {"name": "Nope"})
    with pytest.raises(PermissionDenied):
        staff.add_member(make_user(role="moderator"), group_named("Product"), make_user())


def test_delete_group_clears_staff_status_of_members_in_no_other_group(rctx) -> None:
    admin = make_user(role="admin")
    only = make_staff("only", "Temp")
    both = make_staff("both", "Temp")
    staff.add_member_by_group_name(both, "Product", create=True)
    staff.delete_group(admin, group_named("Temp"))
    db.session.expire_all()
    assert db.session.get(User, only.id).is_staff_member is False
    assert db.session.get(User, both.id).is_staff_member is True
    assert memberships(db.session.get(User, both.id)) == [("Product", True)]


def test_add_member_by_group_name_creates_the_group_and_is_idempotent(rctx) -> None:
    user = make_user()
    first = staff.add_member_by_group_name(user, "Acme Team", create=True)
    again = staff.add_member_by_group_name(user, "acme team", create=True)
    assert first.id == again.id
    group = group_named("Acme Team")
    assert group.label == "Acme Team" and group.color.startswith("#")
    assert db.session.get(User, user.id).is_staff_member is True


def test_cli_create_user_with_staff_group(app, runner) -> None:
    make_staff(group="Customer Care")
    result = runner.invoke(args=["forum", "create-user", "giuliar", "gr@example.com", "--password",
                                 "a long enough passphrase 42", "--staff-group", "customer care"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "giuliar"))
    assert user.is_staff_member is True
    assert memberships(user) == [("Customer Care", True)]


def test_cli_create_user_refuses_an_unknown_staff_group_and_lists_the_groups(app, runner) -> None:
    make_staff(group="Customer Care")
    make_staff(group="Product")
    result = runner.invoke(args=["forum", "create-user", "typo", "typo@example.com", "--password",
                                 "a long enough passphrase 42", "--staff-group", "Nonexistent"])
    assert result.exit_code != 0
    assert "No staff group is named 'Nonexistent'" in result.output
    assert "Customer Care, Product" in result.output and "--create-group" in result.output
    # Nothing half made: no account, no group.
    assert db.session.scalar(select(User).where(User.username == "typo")) is None
    assert group_named("Nonexistent") is None


def test_cli_create_user_creates_the_group_only_when_asked(app, runner) -> None:
    result = runner.invoke(args=["forum", "create-user", "newgroup", "ng@example.com", "--password",
                                 "a long enough passphrase 42", "--staff-group", "Support", "--create-group"])
    assert result.exit_code == 0, result.output
    assert memberships(db.session.scalar(select(User).where(User.username == "newgroup"))) == [("Support", True)]


def test_adding_to_an_unknown_group_by_name_is_refused_without_create(rctx) -> None:
    with pytest.raises(staff.UnknownGroup) as refused:
        staff.add_member_by_group_name(make_user(), "Nobody")
    assert refused.value.names == []
    assert group_named("Nobody") is None


def test_expert_badges_are_granted_and_revoked_by_admins(rctx) -> None:
    admin = make_user(role="admin")
    member = make_user()
    badge = staff.grant_expert(admin, member, label="Power user", note="Answers many questions")
    assert [b.label for b in staff.expert_badges(member)] == ["Power user"]
    assert member.is_staff_member is False  # recognition, not staff
    with pytest.raises(ValidationFailed):
        staff.grant_expert(admin, member, label="power user")
    with pytest.raises(PermissionDenied):
        staff.grant_expert(make_user(role="moderator"), member)
    staff.revoke_expert(admin, badge)
    assert db.session.scalar(select(ExpertBadge.id)) is None
    assert {"expert_badge.grant", "expert_badge.revoke"} <= set(db.session.scalars(select(AuditLog.action)))


def test_staff_title_falls_back_to_group_default(rctx) -> None:
    admin = make_user(role="admin")
    staff.save_group(admin, None, {"name": "Customer Care", "default_title": "Support agent"})
    user = make_staff("anna", "Customer Care")
    assert staff.staff_title(user) == "Support agent"
    user.title = "Community Manager"
    assert staff.staff_title(user) == "Community Manager"
    assert staff.sign_off(user, "Acme") == "— A, Customer Care"
    user.signature_initials = "GR"
    assert staff.sign_off(user, "Acme") == "— GR, Customer Care"
    # A former staff member keeps no title on the page.
    assert staff.staff_title(make_user(title="Boss")) is None


# --- admin pages -------------------------------------------------------------------------------

def test_admin_pages_refuse_members_and_moderators(app, client) -> None:
    assert client.get("/admin/staff").status_code == 404  # anonymous: nothing to see
    make_user("mod", role="moderator")
    client.login("mod")
    for url in ("/admin/staff", "/admin/staff/groups/new", "/admin/staff/experts", "/admin/staff/members"):
        assert client.get(url).status_code == 403, url
    assert client.post_form("/admin/staff/groups/new", {"name": "Sneaky"}).status_code == 403
    assert group_named("Sneaky") is None


def test_admin_creates_group_adds_member_and_grants_expert(app, client) -> None:
    make_user("boss", role="admin")
    make_user("giulia", display_name="Giulia Romano")
    make_user("marco", display_name="Marco Bianchi")
    client.login("boss")
    response = client.post_form("/admin/staff/groups/new", {"name": "Customer Care", "label": "Care",
                                                             "color": "#FFD400", "icon": "☕",
                                                             "default_title": "Support"})
    assert response.status_code == 302
    group = group_named("Customer Care")
    assert group.color == "#ffd400" and group.icon == "☕"
    page = client.get(f"/admin/staff/groups/{group.id}").get_data(as_text=True)
    assert "--badge-fg: #000000" in page  # dark text on yellow

    response = client.post_form(f"/admin/staff/groups/{group.id}/members", {"m-username": "giulia"})
    assert response.status_code == 302
    assert db.session.scalar(select(User).where(User.username == "giulia")).is_staff_member is True
    response = client.post_form(f"/admin/staff/groups/{group.id}/members", {"m-username": "nobody"})
    assert response.status_code == 400
    assert "No member has this username." in response.get_data(as_text=True)

    assert client.post_form("/admin/staff/experts", {"username": "marco", "label": "Expert"}).status_code == 302
    members = client.get("/admin/staff/members").get_data(as_text=True)
    assert "Giulia Romano" in members and "Care" in members and "Expert" in members
    staff_only = client.get("/admin/staff/members?show=staff").get_data(as_text=True)
    assert "Giulia Romano" in staff_only and "Marco Bianchi" not in staff_only
    experts_only = client.get("/admin/staff/members?show=experts").get_data(as_text=True)
    assert "Marco Bianchi" in experts_only and "Giulia Romano" not in experts_only


def test_member_list_is_keyset_paginated(rctx) -> None:
    admin = make_user("aaadmin", role="admin")
    for i in range(5):
        make_user(f"m{i}")
    first = staff.member_list(admin, per_page=4)
    assert len(first.users) == 4 and first.next_cursor
    second = staff.member_list(admin, per_page=4, after=first.next_cursor)
    assert {u.username for u in first.users}.isdisjoint({u.username for u in second.users})
    assert len(first.users) + len(second.users) == 6 and second.next_cursor is None


# --- staff settings ----------------------------------------------------------------------------

def test_staff_settings_title_initials_and_primary(app, client) -> None:
    make_user("member")
    client.login("member")
    assert client.get("/settings/staff").status_code == 403
    assert "Staff signature" not in client.get("/settings").get_data(as_text=True)

    client = app.test_client()
    user = make_staff("gr", "Customer Care", display_name="Giulia Romano")
    staff.add_member_by_group_name(user, "Product", create=True)
    client.login("gr")
    assert "Staff signature" in client.get("/settings").get_data(as_text=True)
    product = group_named("Product")
    response = client.post_form("/settings/staff", {"title": "Community Manager", "signature_initials": "GR",
                                                    "primary_group": str(product.id)})
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert (user.title, user.signature_initials) == ("Community Manager", "GR")
    assert staff.primary_group(user).name == "Product"
    response = client.post_form("/settings/staff", {"title": "x", "signature_initials": "<b>1234"})
    assert response.status_code == 400
    assert "Up to 8 letters" in response.get_data(as_text=True)
    with app.test_request_context(), pytest.raises(ValidationFailed):
        staff.update_staff_profile(user, title="ok", initials="GR", primary_group_id=999999)
