"""The Admin -> Uploads form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, StringField
from wtforms.validators import InputRequired, NumberRange


def _mb(label: str, *, high: int = 1024) -> IntegerField:
    return IntegerField(label, validators=[InputRequired(), NumberRange(min=0, max=high)])


class UploadSettingsForm(FlaskForm):
    enabled = BooleanField(_l("Members may upload photos and files"))
    max_file_mb = IntegerField(_l("Largest file a member may upload (MB)"),
                               validators=[InputRequired(), NumberRange(min=1, max=1024)])
    max_file_mb_staff = IntegerField(_l("Largest file staff may upload (MB)"),
                                     validators=[InputRequired(), NumberRange(min=1, max=1024)])
    files_per_post = _mb(_l("Files in one post (0: no limit; staff are never limited)"), high=1000)
    daily_mb = _mb(_l("What a member may upload in 24 hours (MB; 0: no limit)"), high=100_000)
    daily_mb_new = _mb(_l("What a new member may upload in 24 hours (MB; 0: no limit)"), high=100_000)
    files_per_hour = _mb(_l("Files a member may upload in an hour (0: no limit; staff are never limited)"),
                         high=100_000)
    new_member_posts = _mb(_l("A member is new during their first … posts"), high=100_000)
    new_member_days = _mb(_l("… or during their first … days"), high=3650)
    hold_new_members = BooleanField(_l("A new member's post with files waits for a moderator"))
    image_max_side = IntegerField(_l("Larger images are scaled down to this many pixels on their longest side"),
                                  validators=[InputRequired(), NumberRange(min=320, max=8192)])
    attachment_extensions = StringField(_l("File types members may attach, besides images"),
                                        description=_l("Extensions separated by spaces, e.g. pdf txt csv zip. "
                                                       "Web pages, scripts and programs are never accepted."))
    gravatar = BooleanField(_l("Show Gravatar pictures for members without their own picture"),
                            description=_l("Off by default: each page would tell Gravatar who reads it."))
    download_remote_images = BooleanField(
        _l("Host images that posts show from other sites"),
        description=_l("They are downloaded once and served from here, so readers' IP addresses are not "
                       "sent to those sites."))
    orphan_grace_hours = IntegerField(_l("Remove files no post uses after … hours"),
                                      validators=[InputRequired(), NumberRange(min=1, max=24 * 365)])
