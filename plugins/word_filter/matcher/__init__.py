"""Watched-words matching engine for the bundled ``word_filter`` plugin.

Pure Python (no Flask): the plugin glue turns database rows into :class:`WatchedWord`
objects, builds one :class:`Matcher` per list version and calls :meth:`Matcher.find`
on every post. The engine is designed to defeat the evasions that get past naive
watched-word filters, without flagging ordinary Italian / French / English text.

How text is matched
-------------------
Both the post and every plain pattern go through the same normalisation, so an admin
can type a word either way ("perché" or "perche") and it matches either spelling:

1. **Fold** each character: NFKD (fullwidth, mathematical alphanumerics, ligatures,
   circled letters ...), casefold (``ß``/``ẞ`` -> ``ss``), drop combining marks
   (accents, Zalgo noise), map a small explicit table of Cyrillic/Greek/small-caps
   lookalikes to Latin, and delete invisible characters (zero-width spaces/joiners,
   BOM, soft hyphen, bidi controls, Hangul fillers).
2. **Join spaced-out letters**: a run of at least three single characters (letters,
   digits, ``@``/``$``), each separated from the next by exactly one separator, the
   *same* one throughout the run, is joined: ``"s.p.a.m"``, ``"s p a m"``,
   ``"s-p-a-m"``, ``"s_p_a_m"``, ``"s*p*a*m"`` -> ``"spam"``. Separators: space, tab,
   newline, ``. - _ * / \\ | ~ ,`` and the bullets/dashes step 1 folds to them. The run
   must not touch a longer word on either side, so "a ss", "as s", "sp.am" or "c'è"
   stay as they are; two separators ("s  p  a  m", "a, b, c") or mixed ones
   ("s.p-a_m") never join, and "b.i.t.c.h é" keeps its "é" apart. Punctuation runs are
   joined before whitespace runs, so a letter between the two goes to the punctuation
   run ("s p a c e c.a.z.z.o" -> "space cazzo"). Known limit: a space-separated run
   followed by a one-letter word ("s p a m e poi") reads as one word ("spame").

Then each plain pattern becomes an RE2 expression in which:

* **Repeated letters**: a letter written once in the pattern matches the same letter
  once *or three or more times* in the text; a double letter matches two or more;
  a triple matches three or more. So "spam" matches "spaaaam" and "cazzo" matches
  "cazzzzo", while doubles that change meaning do not cross over: "fica" does not
  match "ficca", "ano" does not match "anno", "ass" does not match "as".
* **Leetspeak** (``leetspeak=True``): a letter also matches its leet stand-ins
  (``4 @``->a, ``3``->e, ``1 !``->i, ``1``->l, ``0``->o, ``5 $``->s, ``7 +``->t), and a
  leet character the admin typed inside a word matches the letter ("b1tch" matches
  "bitch"). A match must contain at least one real letter, so plain numbers never
  match ("10" is not "lo", "2024" matches nothing); ``!`` and ``+`` do not count as
  letters at the start or end of a word, so "ciao!" is still the word "ciao".
* **Whole word** (the default) means: not preceded or followed by a letter or digit
  of any script (after folding, so "façon", "contrôle" and "député" are single
  words: "con" and "pute" do not match inside them). Punctuation, emoji, ``_`` and
  leet symbols are boundaries. Substring entries match anywhere.
* Runs of spaces/punctuation inside a phrase pattern match any run of non-word
  characters ("figlio di puttana" matches "figlio-di  puttana").

Regex entries (``is_regex=True``) use RE2 syntax and run, case-insensitively, on the
text after steps 1-2 (folded, lowercase, accent-free, invisibles removed, spaced
letters joined); leet and repeat handling are *not* applied to them. Non-ASCII
literals in the pattern are folded the same way. ``whole_word`` wraps the regex in
the same word boundaries as plain entries; ``^``/``$`` are the ends of the post.
Patterns made only of symbols/emoji ("🖕") are matched literally, anywhere.

Safety and speed
----------------
RE2 runs in time linear in the text, so catastrophic patterns such as ``(a+)+$``
cannot hang the server; constructs RE2 refuses (backreferences, lookaround) raise
:class:`InvalidPattern` at construction with a human-readable message.
``regex_timeout`` is an extra per-``find()`` budget (seconds of CPU time of the calling
thread) for the regex entries: once it is used up, remaining regex entries are skipped
for that post and a warning is logged (plain entries are always fully checked).

All plain entries are compiled into one leftmost-first RE2 expression, used to jump
to each place where some entry starts, plus one anchored ``re2.Set`` that lists every
entry matching at that place: one pass over the post, whatever the list size. Every
hit is mapped back to offsets in the *original* text (``censor`` relies on it).

Modules
-------
By concern, lowest first (each imports only the ones above it): :mod:`.re2_setup` (RE2 and
its options), :mod:`.words` (watched words, actions, hits, errors), :mod:`.offsets`
(positions back to the original text), :mod:`.folding` (step 1), :mod:`.spacing` (step 2,
:func:`normalize`), :mod:`.patterns` (compiling entries), :mod:`.engine` (:class:`Matcher`)
and :mod:`.lists` (list text and the starter lists). Import from the package: the names
below are the engine's API; the modules' ``_private`` names are not.
"""

from __future__ import annotations

from .engine import Matcher
from .lists import STARTER_DIR, available_starter_lists, load_starter_list, parse_list
from .spacing import normalize
from .words import CENSOR_CHAR, MAX_PATTERN_LENGTH, Action, Hit, InvalidPattern, ListParseError, WatchedWord

__all__ = [
    "CENSOR_CHAR",
    "MAX_PATTERN_LENGTH",
    "STARTER_DIR",
    "Action",
    "Hit",
    "InvalidPattern",
    "ListParseError",
    "Matcher",
    "WatchedWord",
    "available_starter_lists",
    "load_starter_list",
    "normalize",
    "parse_list",
]
