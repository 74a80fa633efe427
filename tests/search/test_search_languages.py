"""Search across the community's languages: a post is indexed with the stems of the language
it is written in (detected from its text), every query tries every language's stems, and a
filter restricts a search to one language. Real posts, the real Whoosh index."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from forum.discussions import services as discussions
from forum.search import WhooshSearchIndex
from forum.search import services as search
from forum.search.query import parse_query_box, parse_text
from forum.search.whoosh_backend.expansion import ExpansionPlan
from forum.search.whoosh_backend.querying import text_query
from tests.factories import make_category, make_event, make_topic, make_user, opening_post
from tests.search.test_engine import found, make_doc


@pytest.fixture
def app_config():
    return {"SEARCH_BACKEND": "whoosh"}


def titles(client, query: str, **params) -> list[str]:
    html = client.get("/search", query_string={"q": query, **params}).get_data(as_text=True)
    found_titles = re.findall(r'<article class="card search-hit">\s*<h2><a [^>]+>(.*?)</a>', html)
    return [re.sub(r"<[^>]+>", "", t) for t in found_titles]


ITALIAN_BODY = ("Le riparazioni dei prodotti in garanzia sono gratuite, ma bisogna spedire la macchina "
                "all'assistenza con lo scontrino.")


def test_an_italian_post_by_an_english_member_is_found_by_an_english_members_italian_query(client):
    emma = make_user("emma", locale="en")
    topic = make_topic(emma, make_category(), title="Garanzia e assistenza", body=ITALIAN_BODY)
    assert opening_post(topic).language == "it" and topic.language == "it"
    make_user("john", locale="en")
    client.login("john")
    # Italian stems: "riparazione prodotto" -> "riparazion prodott", as "Le riparazioni dei prodotti".
    assert titles(client, "riparazione prodotto") == ["Garanzia e assistenza"]


def test_the_same_post_tagged_english_is_not_found_by_italian_stems(client):
    """Why the language matters: English stemming leaves "riparazioni" and "riparazione" apart."""
    emma = make_user("emma", locale="en")
    make_topic(emma, make_category(), title="Garanzia e assistenza", body=ITALIAN_BODY)
    tagged = discussions.create_topic(emma, make_category(), "Garanzia, seconda parte", ITALIAN_BODY + " Bis.",
                                      language="en").post
    assert tagged.language == "en" and tagged.language_chosen
    assert titles(client, "riparazione prodotto") == ["Garanzia e assistenza"]


def test_a_reply_by_an_english_member_in_french_is_indexed_in_french(client):
    topic = make_topic(make_user(), make_category(), title="Machine bruyante",
                       body="Ma machine fait un bruit terrible depuis le détartrage de la semaine dernière.")
    reply = discussions.create_reply(
        make_user("emma", locale="en"), topic,
        "Les réparations de la pompe sont rapides chez le revendeur, j'ai attendu deux jours.").post
    assert reply.language == "fr"
    assert titles(client, "réparation pompes") == ["Machine bruyante"]


def test_the_language_filter_restricts_to_posts_written_in_it(client):
    writer = make_user("writer", locale="en")
    cat = make_category()
    make_topic(writer, cat, title="Espresso en italien",
               body="Il caffè espresso della mattina è il più buono di tutti.")
    make_topic(writer, cat, title="Espresso en français", body="Le café espresso du matin est le meilleur de tous.")
    make_topic(writer, cat, title="Espresso in English", body="The morning espresso coffee is the best of all of them.")
    assert sorted(titles(client, "espresso")) == ["Espresso en français", "Espresso en italien", "Espresso in English"]
    assert titles(client, "espresso", language="it") == ["Espresso en italien"]
    assert titles(client, "espresso", language="fr") == ["Espresso en français"]
    assert titles(client, "espresso lang:en") == ["Espresso in English"]  # the same filter, typed in the box
    # Filters alone browse: every French post.
    assert titles(client, "", language="fr") == ["Espresso en français"]
    page = client.get("/search", query_string={"q": "espresso", "language": "it"}).get_data(as_text=True)
    assert '<option selected value="it">Italiano</option>' in page


def test_a_language_correction_moves_the_post_in_the_index(client):
    author = make_user("emma", locale="en")
    topic = make_topic(author, make_category(), title="Pompa rumorosa",
                       body="La pompa della macchina fa un rumore strano quando scalda l'acqua per il vapore.")
    post = opening_post(topic)
    assert titles(client, "pompa", language="it") == ["Pompa rumorosa"]
    discussions.edit_post(author, post, post.raw, title=topic.title, language="fr")
    assert post.language == "fr" and post.topic.language == "fr"
    assert titles(client, "pompa", language="it") == []
    assert titles(client, "pompa", language="fr") == ["Pompa rumorosa"]


def test_lang_filter_in_the_box_takes_only_known_languages():
    assert parse_query_box("caffè lang:it") == ("caffè", {"language": "it"})
    assert parse_query_box("caffè LANG:FR") == ("caffè", {"language": "fr"})
    assert parse_query_box("caffè lang:de") == ("caffè lang:de", {})  # not a community language: plain text


# --- the engine: one language's stems and fields only, within the same budgets --------------------

@pytest.fixture
def ix(tmp_path: Path) -> Iterator[WhooshSearchIndex]:
    index = WhooshSearchIndex(tmp_path / "search-index", time_budget_seconds=30)
    yield index
    index.close()


def test_every_languages_stems_by_default_one_with_the_filter(ix: WhooshSearchIndex) -> None:
    ix.index([make_doc(1, "Le riparazioni dei prodotti", language="it"),
              make_doc(2, "Les réparations des produits", language="fr"),
              make_doc(3, "The repairs of the products", language="en")])
    assert found(ix, "riparazione prodotto") == {"post:1"}
    assert found(ix, "réparation produit") == {"post:2"}
    assert found(ix, "repair product") == {"post:3"}
    assert found(ix, "riparazione prodotto", language="fr") == set()
    assert found(ix, "réparation produit", language="fr") == {"post:2"}
    assert found(ix, "", language="it", category_ids=frozenset({1})) == {"post:1"}


def test_a_language_filter_plans_prefixes_in_that_language_only(ix: WhooshSearchIndex) -> None:
    ix.index([make_doc(n, " ".join(f"zap{n:02d}{i:02d}x" for i in range(20)), language=lang, title="zapping",
                       is_first_post=True)
              for n, lang in enumerate(["en", "it", "fr"] * 3, start=1)])
    parsed = parse_text("zap*")
    with ix._searcher() as searcher:
        everywhere = ExpansionPlan(parsed, False, searcher.reader(), 64)
        italian = ExpansionPlan(parsed, False, searcher.reader(), 64, ("it",))
        built = text_query(parsed, False, italian, ("it",))
    assert built is not None
    fields = {leaf.fieldname for leaf in built.leaves()}
    assert fields == {"body_it", "title_it"}
    # The same shared budget bounds both; one language has it all to itself.
    assert everywhere.term_count <= 64 and italian.term_count <= 64
    assert found(ix, "zap*", language="it") == {"post:2", "post:5", "post:8"}


def test_a_meetup_is_indexed_in_the_language_it_is_written_in(client, app):
    host = make_user("host", role="moderator", locale="en")
    with app.test_request_context("/"):
        make_event(host, title="Serata di degustazione a Milano",
                   description="Degustazioni guidate dei caffè monorigine con i nostri baristi, su prenotazione.")

    def meetups(**params: str) -> list[str]:
        html = client.get("/search", query_string=params).get_data(as_text=True)
        return re.findall(r'<span class="tag">Event</span> <a href="/events/\d+/[^"]+">(.*?)</a>', html)

    assert meetups(q="degustazione caffe", language="it") == ["Serata di degustazione a Milano"]
    assert meetups(q="degustazione", language="en") == []


def test_a_rebuilt_index_keeps_each_posts_stored_language(client):
    author = make_user("emma", locale="en")
    topic = make_topic(author, make_category(), title="Pompa rumorosa",
                       body="La pompa della macchina fa un rumore strano quando scalda l'acqua per il vapore.")
    discussions.edit_post(author, opening_post(topic), opening_post(topic).raw, title=topic.title, language="fr")
    search.rebuild_index()
    assert titles(client, "pompa", language="fr") == ["Pompa rumorosa"]
    assert titles(client, "pompa", language="it") == []
