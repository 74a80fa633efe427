"""Admin → Jobs: what the background queue holds, what failed and why, and a retry.

Routes on the admin blueprint, so every one is behind its ``require_admin`` check.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from forum.forms import ConfirmForm

from . import services
from .blueprint import bp


@bp.get("/jobs")
def jobs() -> Any:
    return render_template("admin/jobs.html", view=services.jobs_overview())


@bp.post("/jobs/<int:job_id>/retry")
def retry_job(job_id: int) -> Any:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if services.retry_job(job_id):
        flash(_("The job was queued again."), "success")
    else:
        flash(_("Only a failed job can be retried."), "warning")
    return redirect(url_for("admin.jobs"))


@bp.post("/jobs/mail/<int:message_id>/send-again")
def send_mail_again(message_id: int) -> Any:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if services.send_mail_again(message_id):
        flash(_("The message was queued again."), "success")
    else:
        flash(_("Only a message that failed or whose delivery is unknown can be sent again."), "warning")
    return redirect(url_for("admin.jobs"))
