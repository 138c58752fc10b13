"""Finding, for a row of an imported document, the recommendation of the plan it is.

Sources disagree on the same recommendation: UPR Info edits the UN's text (brackets
dropped, "62/149" written "62-149", "[ICCPR and ICESCR]" inserted), splits joint
recommendations by State, and names States its own way ("United Kingdom",
"Bosnia & Herzegovina", "Libyan Arab Jamahiriya"). A row is matched, in this order:

1. by its code (within its source document when both say which);
2. by its match key: the text key (`formats.common.match_text`) and the States' codes;
3. by the text key alone, when the row's States and the recommendation's share one
   (a joint recommendation that one source split by State), or when the row's text is a
   whole part of the recommendation's (UPR Info splits recommendations the UN merged
   under one code: "… (Ukraine); Increase efforts … (Slovakia)");
4. otherwise the row is new; when a recommendation with a State in common has a text
   close to it (difflib ratio, or the share of the row's three-word sequences found in
   it, ≥ `POSSIBLE_MATCH_RATIO`), the preview names it as a *possible match* for the
   coordinator to confirm (it is then matched) or keep apart (it stays new).

The other way round, a row with a code (the UN's list) may be one recommendation that an
earlier import of UPR Info's export left in pieces without a code: one per State of a
joint recommendation, or one per part of a merged one. `Index.pieces` finds them: codeless
recommendations whose States are all among the row's and whose text key is the row's, or
one of its parts (the UN separates them by ";"); a piece whose three-word sequences are
found in the row's text (≥ `POSSIBLE_MATCH_RATIO`) is only close, and offered as a
possible match (`services.catalogue.merging` then merges them).
"""
from __future__ import annotations

import difflib
from collections.abc import Iterable

from ...models import Recommendation
from .formats.common import RecommendationRow, match_text, normalise_state
from .keys import compute_match_key

POSSIBLE_MATCH_RATIO = 0.8
#: A part shorter than this (characters of the text key) is not matched on its own.
MIN_PART = 30


def _state_set(value: str | None) -> set[str]:
    return {part for part in normalise_state(value).split(";") if part}


class Index:
    """A plan's recommendations by code, key and text key."""

    def __init__(self, recs: Iterable[Recommendation]) -> None:
        self.recs = list(recs)
        self.by_code: dict[str, list[Recommendation]] = {}
        self.by_key: dict[str, list[Recommendation]] = {}
        self.by_text: dict[str, list[Recommendation]] = {}
        self._texts: dict[int, str] = {}
        for rec in self.recs:
            if rec.code:
                self.by_code.setdefault(rec.code, []).append(rec)
            if rec.match_key:
                self.by_key.setdefault(rec.match_key, []).append(rec)
            text = match_text(rec.text_en)
            self._texts[rec.id] = text
            if text:
                self.by_text.setdefault(text, []).append(rec)

    def code(self, row: RecommendationRow) -> Recommendation | None:
        found = self.by_code.get(row.code or "", [])
        if row.document:
            same = [rec for rec in found if rec.document in (row.document, None)]
            return same[0] if same else None
        return found[0] if len(found) == 1 else None

    def key(self, row: RecommendationRow) -> list[Recommendation]:
        key = compute_match_key(row.text_en, row.recommending_state) or ""
        return list(self.by_key.get(key, []))

    def text(self, row: RecommendationRow) -> list[Recommendation]:
        """Recommendations with the row's text key and a State in common."""
        states = _state_set(row.recommending_state)
        text = match_text(row.text_en)
        found = [rec for rec in self.by_text.get(text, [])
                 if not states or states & _state_set(rec.recommending_states)]
        if found or len(text) < MIN_PART:
            return found
        needle = f" {text} "
        return [rec for rec in self.recs if states & _state_set(rec.recommending_states)
                and needle in f" {self._texts[rec.id]} "]

    def possible(self, row: RecommendationRow, exclude: set[int]) -> Recommendation | None:
        """The closest recommendation sharing a State, when close enough."""
        text = match_text(row.text_en)
        states = _state_set(row.recommending_state)
        if not text:
            return None
        best, best_ratio = None, POSSIBLE_MATCH_RATIO
        for rec in self.recs:
            if rec.id in exclude or not (states & _state_set(rec.recommending_states)):
                continue
            ratio = _containment(text, self._texts[rec.id])
            matcher = difflib.SequenceMatcher(None, text, self._texts[rec.id], autojunk=False)
            if ratio < best_ratio and matcher.real_quick_ratio() >= best_ratio and \
                    matcher.quick_ratio() >= best_ratio:
                ratio = max(ratio, matcher.ratio())
            if ratio >= best_ratio:
                best, best_ratio = rec, ratio
        return best


    def pieces(self, row: RecommendationRow, exclude: set[int], cycle: str | None = None
               ) -> tuple[list[Recommendation], list[Recommendation]]:
        """(same, close): the codeless recommendations that are pieces of the coded row
        (see the module docstring), leaving out `exclude` and those of another cycle than
        `cycle` (the row's; a State repeats its recommendations at the next review)."""
        states = _state_set(row.recommending_state)
        whole = match_text(row.text_en)
        parts = {whole} | {part for part in map(match_text, (row.text_en or "").split(";"))
                           if len(part) >= MIN_PART}
        same: list[Recommendation] = []
        close: list[Recommendation] = []
        if not states or not whole:
            return same, close
        for rec in self.recs:
            if rec.code or rec.id in exclude or (cycle and rec.cycle and rec.cycle != cycle):
                continue
            text = self._texts[rec.id]
            rec_states = _state_set(rec.recommending_states)
            if not text or not rec_states or not rec_states <= states:
                continue
            if text in parts:
                same.append(rec)
            elif _containment(text, whole) >= POSSIBLE_MATCH_RATIO:
                close.append(rec)
        return same, close


def _trigrams(text: str) -> set[tuple[str, ...]]:
    words = text.split()
    return {tuple(words[i:i + 3]) for i in range(max(len(words) - 2, 1))}


def _containment(part: str, whole: str) -> float:
    """Share of `part`'s three-word sequences found in `whole`."""
    mine = _trigrams(part)
    return len(mine & _trigrams(whole)) / len(mine) if mine else 0.0
