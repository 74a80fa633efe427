"""Language detection (forum/languages.py): memory per process, build time, latency per post,
and accuracy by text length, for lingua's low- and high-accuracy modes.

Each mode is measured in a fresh Python process (so its models' memory is its own), on
deterministic posts written with Faker's en_US / it_IT / fr_FR text, through the same
``detect_post_language`` the posting services call (Markdown parsed, code and quotes left out).

    .venv/bin/python benchmarks/language_detection.py                 # 3,000 posts per mode
    .venv/bin/python benchmarks/language_detection.py --posts 1000 --modes low
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("en", "it", "fr")


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def posts(count: int, seed: int = 7) -> list[tuple[str, str]]:
    """(language, Markdown) pairs: short replies to long posts, some with code and quotes."""
    from faker import Faker

    rng = random.Random(seed)
    fakers = {code: Faker(locale) for code, locale in (("en", "en_US"), ("it", "it_IT"), ("fr", "fr_FR"))}
    for number, faker in enumerate(fakers.values()):
        faker.seed_instance(seed + number)
    out = []
    for _ in range(count):
        lang = rng.choice(LANGUAGES)
        faker = fakers[lang]
        size = rng.choice([3, 6, 12, 25, 60, 150, 400])
        text = faker.text(max_nb_chars=max(20, size * 6)) if size > 12 else faker.sentence(nb_words=size)
        if rng.random() < 0.2:
            text += "\n\n```python\nfor item in items:\n    print('checking the boiler', item)\n```\n"
        if rng.random() < 0.2:
            text = '[quote="bob, post:1, topic:2"]\n' + fakers["en"].sentence(nb_words=15) + "\n[/quote]\n\n" + text
        out.append((lang, text))
    return out


def measure(mode: str, count: int) -> dict[str, object]:
    """Runs in the child process: build, warm up, then time every post."""
    sys.path.insert(0, str(ROOT))
    from lingua import LanguageDetectorBuilder

    from forum import languages, markup

    data = posts(count)  # before the baseline: Faker's memory is not the detector's
    base = rss_mib()
    if mode == "high":  # what forum.languages would build without low accuracy mode
        def build(codes: tuple[str, ...]) -> object:
            known = {lang: code for code in codes if (lang := languages._lingua_language(code))}
            return (LanguageDetectorBuilder.from_languages(*known).with_preloaded_language_models().build(), known)
        languages.detector_for.cache_clear()
        languages.detector_for = build  # type: ignore[assignment]
    started = time.perf_counter()
    languages.detector_for(LANGUAGES)
    built_ms = (time.perf_counter() - started) * 1000
    after_build = rss_mib()
    for _lang, raw in data[:20]:  # warm-up
        languages.detect_post_language(raw, fallback="en", languages=LANGUAGES)
    times, prose_times = [], []
    right = fallback = 0
    by_size: dict[str, list[int]] = {}
    for lang, raw in data:
        t0 = time.perf_counter()
        prose = markup.prose_text(raw)
        t1 = time.perf_counter()
        result = languages.detect_language(prose, fallback="en", languages=LANGUAGES)
        t2 = time.perf_counter()
        prose_times.append(t1 - t0)
        times.append(t2 - t1)
        letters = sum(ch.isalpha() for ch in prose)
        bucket = "<20" if letters < 20 else "<60" if letters < 60 else "<200" if letters < 200 else ">=200"
        ok = result.language == lang
        right += ok
        fallback += not result.detected
        by_size.setdefault(bucket, [0, 0])
        by_size[bucket][0] += ok
        by_size[bucket][1] += 1
    times.sort()
    prose_times.sort()

    def pct(values: list[float], p: float) -> float:
        return values[min(len(values) - 1, int(len(values) * p))] * 1e6

    return {
        "mode": mode, "posts": count, "build_ms": round(built_ms, 1),
        "rss_base_mib": round(base, 1), "rss_models_mib": round(after_build - base, 1),
        "rss_after_mib": round(rss_mib() - base, 1),
        "detect_us_median": round(pct(times, 0.5), 1), "detect_us_p95": round(pct(times, 0.95), 1),
        "detect_us_max": round(times[-1] * 1e6, 1),
        "prose_us_median": round(pct(prose_times, 0.5), 1), "prose_us_p95": round(pct(prose_times, 0.95), 1),
        "right": round(right / count, 4), "fell_back": round(fallback / count, 4),
        "right_by_letters": {k: f"{v[0]}/{v[1]}" for k, v in sorted(by_size.items())},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=3000)
    parser.add_argument("--modes", default="low,high", help="low (what the forum uses), high, or both")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.posts)))
        return
    for mode in args.modes.split(","):
        result = subprocess.run([sys.executable, __file__, "--child", mode, "--posts", str(args.posts)],
                                capture_output=True, text=True, check=True)
        print(json.dumps(json.loads(result.stdout.strip().splitlines()[-1]), indent=1))


if __name__ == "__main__":
    main()
