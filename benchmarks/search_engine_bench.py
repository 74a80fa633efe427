"""Benchmark the Whoosh search engine on synthetic multilingual forum posts.

    .venv/bin/python benchmarks/search_engine_bench.py --docs 100000

Builds an index with ``WhooshSearchIndex.rebuild()`` in a temporary directory, then runs
two-word queries through ``search()`` (permission filter, counting, excerpts included) and
prints build time, index size and query latency. The text is deterministic (seeded) and
drawn from a small it/fr/en product-forum vocabulary with a Zipf-like word frequency.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from forum.search import SearchDocument, SearchQuery, WhooshSearchIndex


def _words(text: str) -> list[str]:
    return text.split()


VOCABULARY: dict[str, list[str]] = {
    "it": _words(
        "stampante prodotto ordine spedizione garanzia reso rimborso batteria schermo cavo "
        "caricatore aggiornamento firmware app account password accesso errore problema soluzione "
        "assistenza negozio prezzo sconto offerta consegna pacco corriere ritardo difetto rotto "
        "funziona acceso spento riavvio impostazioni connessione wifi bluetooth telefono tablet "
        "computer cuffie altoparlante fotocamera obiettivo memoria scheda dati backup cloud "
        "sincronizzazione notifica messaggio email modulo fattura pagamento carta bonifico "
        "abbonamento rinnovo disdetta contratto cliente servizio risposta domanda grazie aiuto "
        "manuale istruzioni installazione montaggio vite supporto base colore nero bianco rosso "
        "modello versione nuovo vecchio usato ricambio pezzo filtro motore rumore vibrazione "
        "temperatura calore ventola polvere pulizia manutenzione lento veloce durata carica"
    ),
    "fr": _words(
        "imprimante produit commande livraison garantie retour remboursement batterie écran câble "
        "chargeur mise à jour micrologiciel application compte mot de passe accès erreur problème "
        "solution assistance magasin prix remise offre colis transporteur retard défaut cassé "
        "fonctionne allumé éteint redémarrage paramètres connexion wifi bluetooth téléphone "
        "tablette ordinateur casque enceinte appareil photo objectif mémoire carte données "
        "sauvegarde nuage synchronisation notification message courriel formulaire facture "
        "paiement virement abonnement renouvellement résiliation contrat client service réponse "
        "question merci aide manuel instructions installation montage vis support socle couleur "
        "noir blanc rouge modèle version nouveau ancien occasion pièce rechange filtre moteur "
        "bruit vibration température chaleur ventilateur poussière nettoyage entretien lent "
        "rapide durée charge réparation réparations"
    ),
    "en": _words(
        "printer product order shipping warranty return refund battery screen cable charger "
        "update firmware app account password login error issue problem solution support store "
        "price discount offer delivery parcel courier delay defect broken works working running "
        "powered off restart reboot settings connection wifi bluetooth phone tablet computer "
        "headphones speaker camera lens memory card data backup cloud sync notification message "
        "email form invoice payment transfer subscription renewal cancel contract customer "
        "service answer question thanks help manual instructions installation assembly screw "
        "stand base color black white red model version new old used spare part filter motor "
        "noise vibration temperature heat fan dust cleaning maintenance slow fast lifetime charge"
    ),
}
# Function words give realistic stop-word density.
FILLERS = {
    "it": _words("il la di che e un una per non con è ma se mi ho"),
    "fr": _words("le la de et un une pour ne pas avec est mais si je ai"),
    "en": _words("the a of and to is it for not with but if i have my"),
}
LANGUAGE_WEIGHTS = (("it", 0.4), ("fr", 0.3), ("en", 0.3))
CATEGORIES = 12
START = datetime(2022, 1, 1, tzinfo=UTC)


def _zipf_cumulative(n: int) -> list[float]:
    total, out = 0.0, []
    for rank in range(n):
        total += 1.0 / (rank + 1)
        out.append(total)
    return out


def synthetic_docs(count: int, seed: int = 42) -> Iterator[SearchDocument]:
    """Deterministic posts: topics of 5 posts, one language per topic."""
    rng = random.Random(seed)
    cum = {lang: _zipf_cumulative(len(words)) for lang, words in VOCABULARY.items()}
    langs = [lang for lang, _ in LANGUAGE_WEIGHTS]
    lang_weights = [w for _, w in LANGUAGE_WEIGHTS]
    topic_lang, topic_title, topic_cat = "en", "", 1
    for n in range(count):
        topic_id, first = divmod(n, 5)
        if first == 0:
            topic_lang = rng.choices(langs, lang_weights)[0]
            topic_title = " ".join(
                rng.choices(VOCABULARY[topic_lang], cum_weights=cum[topic_lang], k=rng.randint(3, 7))
            )
            topic_cat = rng.randint(1, CATEGORIES)
        length = rng.randint(15, 90)
        content = rng.choices(VOCABULARY[topic_lang], cum_weights=cum[topic_lang], k=length)
        fillers = rng.choices(FILLERS[topic_lang], k=length)
        words = [f if rng.random() < 0.35 else c for c, f in zip(content, fillers, strict=True)]
        yield SearchDocument(
            doc_id=f"post:{n}",
            kind="post",
            post_id=n,
            topic_id=topic_id,
            event_id=None,
            category_id=topic_cat,
            author_id=n % 997,
            author_username=f"user{n % 997}",
            title=topic_title,
            body=" ".join(words).capitalize() + ".",
            language=topic_lang,
            created_at=START + timedelta(minutes=n * 7),
            is_first_post=first == 0,
            is_staff_post=rng.random() < 0.05,
            topic_has_official=topic_id % 10 == 0,
            topic_solved=topic_id % 3 == 0,
            visible=rng.random() > 0.03,
        )


def queries(count: int, seed: int = 7) -> list[SearchQuery]:
    """Two content words of one language; a typical member who sees 8 of 12 categories."""
    rng = random.Random(seed)
    allowed = frozenset(range(1, 9))
    out = []
    for _ in range(count):
        lang = rng.choice(list(VOCABULARY))
        first, second = rng.sample(VOCABULARY[lang], 2)
        out.append(SearchQuery(text=f"{first} {second}", allowed_category_ids=allowed))
    return out


def dir_size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1_000_000


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--dir", type=Path, help="index directory to keep (default: a temporary one)")
    parser.add_argument("--skip-build", action="store_true", help="query the existing index in --dir")
    args = parser.parse_args()
    if args.skip_build and not args.dir:
        parser.error("--skip-build needs --dir")

    workdir = Path(tempfile.mkdtemp(prefix="circolo-search-bench-"))
    directory = args.dir or workdir / "index"
    try:
        index = WhooshSearchIndex(directory)
        if not args.skip_build:
            # Wall time suffers from other processes on a busy machine; CPU time doesn't.
            wall, cpu = time.perf_counter(), time.process_time()
            built = index.rebuild(synthetic_docs(args.docs))
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            print(f"documents indexed   {built:,}")
            print(f"build time          {wall:.1f} s wall, {cpu:.1f} s CPU ({built / cpu:,.0f} docs per CPU-second)")
        print(f"index size on disk  {dir_size_mb(directory):.1f} MB")

        batch = queries(args.queries)
        for query in batch[:5]:  # open the index and warm the OS cache
            index.search(query)
        walls, cpus, totals = [], [], []
        for query in batch:
            wall, cpu = time.perf_counter(), time.process_time()
            results = index.search(query)
            walls.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
            totals.append(results.total)
        print(f"queries             {len(batch)} two-word queries, median {statistics.median(totals):,.0f} hits")
        print(f"latency median      {statistics.median(walls):.1f} ms wall, {statistics.median(cpus):.1f} ms CPU")
        print(f"latency p95         {percentile(walls, 95):.1f} ms wall, {percentile(cpus, 95):.1f} ms CPU")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
