"""Mail without a mail server (the Quickstart): printed in full, and its HTML part saved as a
file the console names, so the branded mail can be opened in a browser."""

from __future__ import annotations

import io
from pathlib import Path

from forum.mail.senders import ConsoleMailSender, Message


def test_the_console_prints_the_text_and_names_the_saved_html(tmp_path: Path) -> None:
    stream = io.StringIO()
    sender = ConsoleMailSender(stream=stream, html_dir=str(tmp_path / "mail"))
    sender.send(Message("anna@example.org", "Bruno replied", "Bruno replied to your topic.",
                        html="<p>Bruno <b>replied</b></p>"))
    printed = stream.getvalue()
    assert "Subject: Bruno replied" in printed and "Bruno replied to your topic." in printed
    saved = list((tmp_path / "mail").glob("*.html"))
    assert len(saved) == 1 and saved[0].read_text(encoding="utf-8") == "<p>Bruno <b>replied</b></p>"
    assert f"HTML version (open it in a browser): {saved[0]}" in printed


def test_text_only_mail_names_no_file_and_old_files_are_pruned(tmp_path: Path) -> None:
    stream = io.StringIO()
    sender = ConsoleMailSender(stream=stream, html_dir=str(tmp_path))
    sender.send(Message("anna@example.org", "Plain", "Only text."))
    assert "HTML version" not in stream.getvalue() and list(tmp_path.iterdir()) == []
    for n in range(ConsoleMailSender.KEEP_HTML + 5):
        sender.send(Message("anna@example.org", f"M{n}", "x", html=f"<p>{n}</p>"))
    assert len(list(tmp_path.glob("*.html"))) == ConsoleMailSender.KEEP_HTML
