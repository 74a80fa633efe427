from __future__ import annotations


def test_home_lists_default_categories(client):
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "General" in html and "Announcements" in html


def test_healthz(client):
    assert client.get("/healthz").get_json()["status"] == "ok"
