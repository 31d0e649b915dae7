"""How the embedded engine answers a parsed query: three tantivy queries over the same documents.

- ``matching`` decides which documents match: every phrase checked at its positions, nothing scored. The count
  and the facets come from it.
- ``scored`` is ``matching`` ranked by BM25 of the words' tokens (title and 文号 boosted). A phrase is matched
  as a constant, so its positions are checked for existence only, not counted for every occurrence.
- ``candidates`` is ``scored`` with each phrase relaxed to its tokens anywhere in the field: a superset ranked by
  the very same scores, cheap because no position is read. Its best few dozen, checked for the phrases
  (``phrases_among``), are the true best documents whenever enough of them pass (see embedded._best_hits).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import tantivy

from search import SearchQuery
from search.analysis import is_single_han, phrase_terms
from search.query import ParsedQuery, Term

TEXT_FIELDS = {"title": 3.0, "body": 1.0, "number_text": 5.0, "issuer_text": 1.5}
BODY = list(TEXT_FIELDS).index("body")
MAX_BRANCHES = 16
Q = tantivy.Query
Occur = tantivy.Occur


@dataclass(frozen=True)
class _Word:
    fields: list[tantivy.Query]  # where it may match, one query per text field
    relaxed: tantivy.Query
    scoring: list[tantivy.Query]
    is_phrase: bool

    @property
    def matching(self) -> tantivy.Query:
        return any_of(self.fields)


@dataclass(frozen=True)
class Plan:
    matching: tantivy.Query
    scored: tantivy.Query
    candidates: tantivy.Query | None  # None when no phrase needs checking: ``scored`` is cheap as it is
    groups: list[list[_Word]]
    fixed: list[tuple[Any, tantivy.Query]]
    scoring: list[tuple[Any, tantivy.Query]]

    def matching_within(self, part: tantivy.Query | None) -> tantivy.Query:
        """``matching`` for the documents ``part`` matches, the restriction inside every branch."""
        return self.matching if part is None else _matching(self.groups, [*self.fixed, (Occur.Must, part)])

    def phrases_among(self, among: tantivy.Query) -> tantivy.Query:
        """Which of the documents ``among`` matches hold every phrase. The restriction goes into every field's
        branch, so a phrase is checked on those documents alone (a union asked to skip ahead checks every
        document of the blocks it passes through)."""
        groups = [
            any_of([Q.boolean_query([(Occur.Must, among), (Occur.Must, f)]) for w in g for f in w.fields])
            for g in self.groups
        ]
        return Q.boolean_query([(Occur.Must, among), *[(Occur.Must, g) for g in groups]])


Cost = Callable[[str], int] | None


def plan(schema: tantivy.Schema, parsed: ParsedQuery, query: SearchQuery, cost: Cost) -> Plan | None:
    """None when the query asks for nothing (no word, no 文号, no filter)."""
    groups = [[_word(schema, term, cost) for term in group] for group in parsed.must]
    fixed: list[tuple[Any, tantivy.Query]] = [
        (Occur.Must, Q.term_query(schema, "doc_number", number)) for number in parsed.doc_numbers
    ]
    if not groups and not fixed:
        if not parsed.has_filters:
            return None
        fixed.append((Occur.Must, Q.all_query()))
    fixed += [(Occur.MustNot, _word(schema, term, cost).matching) for term in parsed.must_not]
    fixed += [(Occur.Must, f) for f in _filters(schema, parsed, query)]
    matching = _matching(groups, fixed)
    scoring = [(Occur.Should, q) for g in groups for w in g for q in w.scoring]
    scored = Q.boolean_query([(Occur.Must, Q.const_score_query(matching, 0.0)), *scoring]) if scoring else matching
    candidates = None
    if any(w.is_phrase for g in groups for w in g):
        relaxed = Q.boolean_query([*[(Occur.Must, any_of([w.relaxed for w in g])) for g in groups], *fixed])
        candidates = Q.boolean_query([(Occur.Must, Q.const_score_query(relaxed, 0.0)), *scoring])
    return Plan(matching, scored, candidates, groups, fixed, scoring)


def _matching(groups: list[list[_Word]], fixed: list[tuple[Any, tantivy.Query]]) -> tantivy.Query:
    """Documents holding a word of every group and passing the filters, as a union of intersections: for each
    group either a word's phrase in the body or a word in the short fields. A union of phrases inside an
    intersection would be asked to skip ahead, and tantivy's union does that by checking every document of the
    blocks it passes through; here each phrase sits in an intersection led by its cheapest part."""
    choices = [
        [w.fields[BODY] for w in g] + [any_of([f for w in g for i, f in enumerate(w.fields) if i != BODY])]
        for g in groups
    ]
    if math.prod(len(c) for c in choices) > MAX_BRANCHES:
        return Q.boolean_query([(Occur.Must, any_of([w.matching for w in g])) for g in groups] + fixed)
    return any_of(
        [Q.boolean_query([*((Occur.Must, q) for q in combo), *fixed]) for combo in itertools.product(*choices)]
    )


def _word(schema: tantivy.Schema, term: Term, cost: Cost) -> _Word:
    pairs = phrase_terms(term.tokens, cost)
    matching, relaxed, scoring = [], [], []
    for name, boost in TEXT_FIELDS.items():
        if len(pairs) == 1 and is_single_han(pairs[0][1]):
            ch = pairs[0][1]
            q = Q.regex_query(schema, name, f"{ch}.?|.{ch}")
            matching.append(q)
            relaxed.append(q)
            scoring.append(Q.boost_query(q, boost))
            continue
        terms = [Q.term_query(schema, name, token) for _, token in pairs]
        scoring += [Q.boost_query(t, boost) for t in terms]
        if len(pairs) == 1:
            matching.append(terms[0])
            relaxed.append(terms[0])
        else:
            matching.append(Q.phrase_query(schema, name, list[str | tuple[int, str]](pairs)))
            relaxed.append(Q.boolean_query([(Occur.Must, t) for t in terms]))
    return _Word(matching, any_of(relaxed), scoring, len(pairs) > 1)


def _filters(schema: tantivy.Schema, parsed: ParsedQuery, query: SearchQuery) -> list[tantivy.Query]:
    f = parsed.filters
    out = [Q.term_query(schema, name, value) for name, value in parsed.keyword_filters()]
    if f.date_from or f.date_to:
        low = int(f.date_from.strftime("%Y%m%d")) if f.date_from else None
        high = int(f.date_to.strftime("%Y%m%d")) if f.date_to else None
        out.append(Q.range_query(schema, "day", tantivy.FieldType.Integer, low, high))
    vis = query.visibility
    out.append(Q.range_query(schema, "rank", tantivy.FieldType.Integer, None, vis.max_rank))
    if vis.organs is not None:
        organs = [Q.term_query(schema, "organ", o) for o in sorted(vis.organs)]
        out.append(any_of(organs) if organs else Q.empty_query())
    return out


def any_of(queries: list[tantivy.Query]) -> tantivy.Query:
    if len(queries) == 1:
        return queries[0]
    return Q.boolean_query([(Occur.Should, q) for q in queries])
