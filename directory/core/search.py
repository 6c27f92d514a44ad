"""Turning what someone typed into search terms both databases read the same way.

Only runs of letters and digits survive, so no query syntax (FTS5's quotes, ``*``, ``NEAR``,
``AND``; PostgreSQL's ``&``, ``|``, ``!``, ``:``) ever reaches the database: every term is
a plain word, matched as a word prefix, and a service must match all of them. Stop words are
dropped on both databases (PostgreSQL's English configuration ignores them in the indexed
text, SQLite's index keeps them), so the same words find the same services on both.
"""

from __future__ import annotations

import re
import unicodedata

MAX_TERMS = 16
MAX_TERM_LENGTH = 40

_WORD = re.compile(r"[^\W_]+")

# PostgreSQL 15's english.stop (the Snowball project's English list, BSD licence).
STOP_WORDS = frozenset(
    """i me my myself we our ours ourselves you your yours yourself yourselves he him his
    himself she her hers herself it its itself they them their theirs themselves what which
    who whom this that these those am is are was were be been being have has had having do
    does did doing a an the and but if or because as until while of at by for with about
    against between into through during before after above below to from up down in out on
    off over under again further then once here there when where why how all any both each
    few more most other some such no nor not only own same so than too very s t can will
    just don should now""".split()  # noqa: SIM905 - kept as the list it was copied from
)


def search_terms(text: str | None) -> tuple[str, ...]:
    """The distinct words of ``text`` worth searching for, lower case, in the order typed.

    Empty when nothing searchable is left (blank, punctuation or stop words only).
    """
    if not text:
        return ()
    words = _WORD.findall(unicodedata.normalize("NFC", text).lower())
    terms: list[str] = []
    for word in words:
        word = word[:MAX_TERM_LENGTH]
        if len(word) > 1 and word not in STOP_WORDS and word not in terms:
            terms.append(word)
        if len(terms) == MAX_TERMS:
            break
    return tuple(terms)


def fts5_query(terms: tuple[str, ...]) -> str:
    """SQLite FTS5: every term a quoted word prefix (terms hold letters and digits only)."""
    return " AND ".join(f'"{term}"*' for term in terms)


def tsquery(terms: tuple[str, ...]) -> str:
    """PostgreSQL ``to_tsquery``: every term a word prefix, all required."""
    return " & ".join(f"{term}:*" for term in terms)
