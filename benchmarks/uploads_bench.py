"""Photos: what taking one in costs (decode, orient, strip, resize, encode, thumbnail) and what
serving one costs. Not a test: run by hand and compare the numbers.

    .venv/bin/python benchmarks/uploads_bench.py [--runs 7] [--sizes 12,24]

1. ``process_image`` on phone-like JPEGs (noise over gradients, so they do not compress away;
   EXIF orientation 6 with GPS) of 12 and 24 megapixels: wall time and the process's peak
   memory (each size in a fresh child process, so one size's peak does not hide another's).
2. Through the app (Flask's test client, SQLite in a temporary folder, local storage): POST
   /uploads of the 12 MP photo as a member, then GET of the stored file and of its thumbnail as
   a visitor, after the photo is in a public post (the permission check runs each time).
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SIDES = {12: (4000, 3000), 24: (6000, 4000)}


def phone_photo(width: int, height: int) -> bytes:
    from PIL import ExifTags, Image

    gradient = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    noise = Image.effect_noise((width, height), 40).convert("RGB")
    picture = Image.blend(gradient, noise, 0.35)
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.IFD.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (45.0, 27.0, 35.0)}
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=92, exif=exif.tobytes())
    return buffer.getvalue()


def child(path: str, runs: int) -> None:
    from PIL import Image

    from forum.uploads.images import process_image

    data = Path(path).read_bytes()
    width, height = Image.open(io.BytesIO(data)).size
    megapixels = round(width * height / 1e6)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = process_image(data)
        times.append(time.perf_counter() - started)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"mp": megapixels, "input_mb": round(len(data) / 2**20, 1), "median_s": statistics.median(times),
                      "max_s": max(times), "peak_mb": round(peak / 1024), "before_mb": round(base / 1024),
                      "out_kb": round(len(result.web.data) / 1024), "out": [result.web.width, result.web.height]}))


def through_the_app(runs: int) -> dict[str, float]:
    from forum import create_app
    from forum.cli import ensure_default_data, upgrade_schema
    from forum.discussions import services as discussions
    from forum.discussions.models import Category
    from forum.extensions import db
    from forum.uploads import services as uploads
    from tests.factories import make_user

    data = phone_photo(*SIDES[12])
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/forum.db", "SECRET_KEY": "bench",
                          "STORAGE_URL": f"file://{folder}/uploads", "RATELIMIT_ENABLED": False,
                          "SEARCH_BACKEND": "null", "WTF_CSRF_ENABLED": False, "JOBS_MODE": "inline",
                          "MAIL_DELIVERY": "inline", "PUBLIC_URL": "http://forum.test", "SERVER_NAME": "forum.test"})
        with app.app_context():
            upgrade_schema()
            ensure_default_data()
            make_user("bench")
            db.session.commit()
        member = app.test_client()
        member.post("/login", data={"login": "bench", "password": "correct horse battery"})
        posting = []
        for _ in range(runs):
            started = time.perf_counter()
            answer = member.post("/uploads", data={"file": (io.BytesIO(data), "IMG.jpg")},
                                 content_type="multipart/form-data")
            posting.append(time.perf_counter() - started)
            assert answer.status_code == 200, answer.get_data(as_text=True)
        photo = answer.get_json()
        with app.app_context():
            from forum.accounts.models import User

            author = db.session.scalar(db.select(User).where(User.username == "bench"))
            category = db.session.scalar(db.select(Category).where(Category.slug == "general"))
            discussions.create_topic(author, category, "A public photo to serve", photo["markdown"])
            thumbnail = uploads.thumbnail_path(photo["token"])
        visitor = app.test_client()
        serving, thumbs = [], []
        for _ in range(runs * 10):
            started = time.perf_counter()
            assert visitor.get(photo["url"]).status_code == 200
            serving.append(time.perf_counter() - started)
            started = time.perf_counter()
            assert visitor.get(thumbnail).status_code == 200
            thumbs.append(time.perf_counter() - started)
        return {"upload_12mp_median_ms": 1000 * statistics.median(posting),
                "serve_median_ms": 1000 * statistics.median(serving),
                "thumbnail_median_ms": 1000 * statistics.median(thumbs)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--sizes", default="12,24")
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.runs)
        return
    with tempfile.TemporaryDirectory() as folder:
        for megapixels in (int(s) for s in args.sizes.split(",")):
            photo = Path(folder) / f"{megapixels}.jpg"
            photo.write_bytes(phone_photo(*SIDES[megapixels]))  # made here: the child measures only its work
            subprocess.run([sys.executable, __file__, "--child", str(photo), "--runs", str(args.runs)], check=True)
    print(json.dumps({k: round(v, 1) for k, v in through_the_app(args.runs).items()}))


if __name__ == "__main__":
    main()
