"""Browser sessions live on the server: logout, password changes and admin actions revoke them.

The attack: the cookie used to be a signed ``{"user_id": N}`` with no server
record, so a copy of it kept working for 14 days after logout and after a
password reset.  Every test here keeps an old cookie and replays it.
"""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from auth_helpers import (
    admin_client,
    can_log_in,
    cookie_client,
    n_sessions,
    project_with_member,
    session_cookie,
    with_cookie,
)
from itsdangerous import TimestampSigner
from server_helpers import PASSWORD
from sqlalchemy import select, update

from activelab.server.models import ApiToken, ServerSecret, UserSession, utcnow

NEW_PASSWORD = "a brand new passphrase"


def _works(live, cookie: str, project_id: int | None = None) -> bool:
    """Whether ``cookie`` still authenticates, on the ORM path and on the annotation hot path."""
    with with_cookie(live, cookie) as client:
        me = client.get("/api/auth/me").status_code
        if project_id is None:
            assert me in (200, 401)
            return me == 200
        hot = client.get(f"/api/projects/{project_id}/next").status_code
        assert (me, hot) in ((200, 200), (401, 401)), (me, hot)
        return me == 200


def test_logout_ends_the_session_on_the_server(live_any_db):
    live = live_any_db
    user_id, _ = live.user("ann")
    with admin_client(live) as admin:
        project = project_with_member(live, admin, user_id)
    with cookie_client(live, "ann") as browser:
        kept = session_cookie(browser)
        assert _works(live, kept, project["id"])
        assert browser.post("/api/auth/logout").status_code == 204
    assert not _works(live, kept, project["id"])
    assert n_sessions(live, user_id) == 0


def test_the_form_logout_ends_the_session_too(live_any_db):
    live = live_any_db
    live.user("ann")
    with cookie_client(live, "ann") as browser:
        kept = session_cookie(browser)
        assert browser.post("/logout").status_code == 303
    assert not _works(live, kept)


def test_a_cookie_of_the_old_form_is_refused(live_any_db):
    """A validly signed ``{"user_id": N}``, as the server used to issue, logs nobody in."""
    live = live_any_db
    user_id, _ = live.user("ann")
    with live.factory() as session:
        key = session.scalar(select(ServerSecret.value).where(ServerSecret.name == "session_key"))
    payload = base64.b64encode(json.dumps({"user_id": user_id}).encode())
    forged = TimestampSigner(key).sign(payload).decode()
    assert not _works(live, forged)


def test_login_cycles_the_session_key(live_any_db):
    live = live_any_db
    live.user("ann")
    live.user("bob")
    with cookie_client(live, "ann") as browser:
        first = session_cookie(browser)
        again = browser.post("/api/auth/login", json={"username": "bob", "password": PASSWORD})
        assert again.status_code == 200
        second = session_cookie(browser)
        assert browser.get("/api/auth/me").json()["username"] == "bob"
    assert first != second
    assert not _works(live, first)  # the session the cookie named before is gone
    assert _works(live, second)


def test_changing_the_password_ends_every_other_session(live_any_db):
    live = live_any_db
    user_id, token = live.user("ann")
    with admin_client(live) as admin:
        project = project_with_member(live, admin, user_id)
    with cookie_client(live, "ann") as laptop, cookie_client(live, "ann") as phone:
        stolen = session_cookie(phone)
        wrong = laptop.post("/api/auth/password", json={"current_password": "not it",
                                                        "new_password": NEW_PASSWORD})
        assert wrong.status_code == 403
        assert _works(live, stolen, project["id"])  # a refused change changes nothing
        short = laptop.post("/api/auth/password", json={"current_password": PASSWORD,
                                                        "new_password": "short"})
        assert short.status_code == 422
        changed = laptop.post("/api/auth/password", json={"current_password": PASSWORD,
                                                          "new_password": NEW_PASSWORD})
        assert changed.status_code == 204
        assert not _works(live, stolen, project["id"])
        # The browser that changed it stays logged in, under a new session key.
        assert laptop.get("/api/auth/me").status_code == 200
        assert laptop.get(f"/api/projects/{project['id']}/next").status_code == 200
    assert n_sessions(live, user_id) == 1
    assert not can_log_in(live, "ann")
    assert can_log_in(live, "ann", NEW_PASSWORD)
    with live.client(token) as api:  # API tokens are separate credentials: they stay
        assert api.get("/api/auth/me").status_code == 200


def test_an_admin_password_reset_ends_the_users_sessions(live_any_db):
    live = live_any_db
    user_id, _ = live.user("ann")
    with cookie_client(live, "ann") as browser:
        kept = session_cookie(browser)
    with admin_client(live) as admin:
        reset = admin.post(f"/api/users/{user_id}/password", json={"new_password": NEW_PASSWORD})
        assert reset.status_code == 204
        assert admin.post("/api/users/999999/password",
                          json={"new_password": NEW_PASSWORD}).status_code == 404
    assert not _works(live, kept)
    assert can_log_in(live, "ann", NEW_PASSWORD)


def test_deactivation_ends_sessions_and_tokens_for_good(live_any_db):
    live = live_any_db
    user_id, token = live.user("ann")
    with cookie_client(live, "ann") as browser:
        kept = session_cookie(browser)
    with admin_client(live) as admin:
        off = admin.patch(f"/api/users/{user_id}", json={"is_active": False})
        assert off.status_code == 200 and off.json()["is_active"] is False
        assert not _works(live, kept)
        with live.client(token) as api:
            assert api.get("/api/auth/me").status_code == 401
        assert not can_log_in(live, "ann")
        on = admin.patch(f"/api/users/{user_id}", json={"is_active": True})
        assert on.status_code == 200 and on.json()["is_active"] is True
    # Reactivation revives neither the old session nor the old token.
    assert not _works(live, kept)
    with live.client(token) as api:
        assert api.get("/api/auth/me").status_code == 401
    with live.factory() as session:
        assert session.scalar(select(ApiToken).where(ApiToken.user_id == user_id)) is None
    assert can_log_in(live, "ann")


def test_a_role_change_ends_the_users_sessions(live_any_db):
    live = live_any_db
    user_id, _ = live.user("ann")
    with cookie_client(live, "ann") as browser:
        kept = session_cookie(browser)
    with admin_client(live) as admin:
        promoted = admin.patch(f"/api/users/{user_id}", json={"role": "admin"})
        assert promoted.status_code == 200 and promoted.json()["role"] == "admin"
    assert not _works(live, kept)
    with cookie_client(live, "ann") as browser:
        assert browser.get("/api/auth/me").json()["role"] == "admin"


def test_admins_cannot_lock_themselves_out_and_annotators_cannot_manage_users(live_any_db):
    live = live_any_db
    user_id, token = live.user("ann")
    with admin_client(live) as admin:
        me = admin.get("/api/auth/me").json()["id"]
        assert admin.patch(f"/api/users/{me}", json={"is_active": False}).status_code == 409
        assert admin.patch(f"/api/users/{me}", json={"role": "annotator"}).status_code == 409
        assert admin.patch(f"/api/users/{user_id}", json={"is_active": "yes"}).status_code == 422
        with live.client(token) as annotator:
            assert annotator.patch(f"/api/users/{me}",
                                   json={"is_active": False}).status_code == 403
            assert annotator.post(f"/api/users/{me}/password",
                                  json={"new_password": NEW_PASSWORD}).status_code == 403
        assert admin.get("/api/auth/me").json() == {"id": me, "username": admin.get(
            "/api/auth/me").json()["username"], "role": "admin", "is_active": True}


def test_a_user_sees_and_ends_their_other_sessions(live_any_db):
    live = live_any_db
    live.user("ann")
    live.user("bob")
    with (cookie_client(live, "ann", headers={"User-Agent": "laptop"}) as laptop,
          cookie_client(live, "ann", headers={"User-Agent": "phone"}) as phone,
          cookie_client(live, "ann", headers={"User-Agent": "tablet"}) as tablet,
          cookie_client(live, "bob") as bob):
        listed = laptop.get("/api/auth/sessions").json()
        assert [s["user_agent"] for s in listed] == ["tablet", "phone", "laptop"]
        assert [s["current"] for s in listed] == [False, False, True]
        assert all(s["address"] == "127.0.0.1" for s in listed)
        phone_id = listed[1]["id"]
        bobs = bob.get("/api/auth/sessions").json()
        assert len(bobs) == 1
        # Nobody else's session can be ended (or seen).
        assert laptop.delete(f"/api/auth/sessions/{bobs[0]['id']}").status_code == 404
        assert bob.get("/api/auth/me").status_code == 200
        assert laptop.delete(f"/api/auth/sessions/{phone_id}").status_code == 204
        assert phone.get("/api/auth/me").status_code == 401
        assert laptop.delete("/api/auth/sessions").status_code == 204
        assert tablet.get("/api/auth/me").status_code == 401
        assert [s["current"] for s in laptop.get("/api/auth/sessions").json()] == [True]


def _age_session(live, cookie_owner_id: int, **columns) -> None:
    with live.factory() as session:
        session.execute(update(UserSession).where(UserSession.user_id == cookie_owner_id)
                        .values(**columns))
        session.commit()


@pytest.mark.parametrize("server_settings", [
    {"worker_enabled": False, "session_idle_timeout": 3600, "session_max_age": 7 * 86400}],
    indirect=True)
def test_sessions_end_after_the_idle_timeout_and_the_absolute_lifetime(live_any_db):
    live = live_any_db
    user_id, _ = live.user("ann")
    with admin_client(live) as admin:
        project = project_with_member(live, admin, user_id)
    now = utcnow()
    with cookie_client(live, "ann") as browser:
        kept = session_cookie(browser)
    # Seen 50 minutes ago: still alive, and the visit refreshes last_seen_at.
    _age_session(live, user_id, last_seen_at=now - timedelta(minutes=50))
    assert _works(live, kept, project["id"])
    with live.factory() as session:
        seen = session.scalar(select(UserSession.last_seen_at))
    assert seen > now - timedelta(minutes=1)
    # Idle for more than an hour: ended, on both paths.
    _age_session(live, user_id, last_seen_at=now - timedelta(minutes=61))
    assert not _works(live, kept, project["id"])
    # Active all along but older than the absolute lifetime: ended.
    with cookie_client(live, "ann") as browser:
        kept = session_cookie(browser)
    assert n_sessions(live, user_id) == 1  # the login deleted the expired session's row
    _age_session(live, user_id, created_at=now - timedelta(days=7, minutes=1))
    assert not _works(live, kept, project["id"])


def test_a_recent_session_is_not_written_on_every_request(live_any_db):
    live = live_any_db
    user_id, _ = live.user("ann")
    with admin_client(live) as admin:
        project = project_with_member(live, admin, user_id)
    seen = utcnow() - timedelta(seconds=30)
    with cookie_client(live, "ann") as browser:
        _age_session(live, user_id, last_seen_at=seen)
        for _ in range(3):
            assert browser.get(f"/api/projects/{project['id']}/next").status_code == 200
            assert browser.get("/api/auth/me").status_code == 200
    with live.factory() as session:
        assert session.scalar(select(UserSession.last_seen_at)) == seen


def test_resetting_the_demo_password_ends_the_demo_admins_sessions(live):
    from activelab.server.services.demo import DEMO_ADMIN, ensure_demo

    password = ensure_demo(live.factory)["password"]
    with cookie_client(live, DEMO_ADMIN, password) as browser:
        kept = session_cookie(browser)
    assert _works(live, kept)
    new = ensure_demo(live.factory, reset_password=True)["password"]
    assert not _works(live, kept)
    assert can_log_in(live, DEMO_ADMIN, new)


@pytest.mark.browser
def test_the_account_page_and_the_user_buttons_work_in_a_browser(live):
    from browser_helpers import launched_chromium, login
    from playwright.sync_api import expect

    from activelab.server.models import Role, User

    live.user("boss", Role.admin)
    victim_id, _ = live.user("victim")
    with launched_chromium() as chromium:
        page = login(chromium, live.url, "boss")
        expect(page.locator("h1")).to_have_text("Projects")
        row = page.locator(f"tr[data-user-id='{victim_id}']")
        with cookie_client(live, "victim") as victim:
            row.locator("button[data-action=make-admin]").click()
            expect(row.locator("button[data-action=make-annotator]")).to_be_visible()
            assert victim.get("/api/auth/me").status_code == 401  # the role change ended it
        row.locator("button[data-action=make-annotator]").click()
        expect(row.locator("button[data-action=make-admin]")).to_be_visible()
        row.locator("button[data-action=deactivate]").click()
        expect(row).to_contain_text("deactivated")
        row.locator("button[data-action=reactivate]").click()
        expect(row).not_to_contain_text("deactivated")
        with live.factory() as session:
            victim_row = session.get(User, victim_id)
            assert (victim_row.role, victim_row.is_active) == ("annotator", True)
        reset = page.locator("#reset-password")
        reset.locator("select[name=user_id]").select_option(str(victim_id))
        reset.locator("input[name=new_password]").fill(NEW_PASSWORD)
        reset.locator("button[type=submit]").click()
        expect(page.locator("#reset-password-message")).to_contain_text("Password reset")
        assert can_log_in(live, "victim", NEW_PASSWORD)

        # The account page, linked from the header: end another session, then all others.
        with cookie_client(live, "boss", headers={"User-Agent": "old phone"}) as phone, \
                cookie_client(live, "boss", headers={"User-Agent": "old tablet"}) as tablet:
            page.click("header a[href='/account']")
            sessions = page.locator("#sessions tr")
            expect(sessions).to_have_count(3)
            sessions.filter(has_text="old phone").locator("button").click()
            expect(sessions).to_have_count(2)
            assert phone.get("/api/auth/me").status_code == 401
            assert tablet.get("/api/auth/me").status_code == 200
            page.click("#end-others")
            expect(sessions).to_have_count(1)
            expect(sessions).to_contain_text("this browser")
            assert tablet.get("/api/auth/me").status_code == 401
