"""How monitor computes its figures (the METHOD).

Everything below can be recomputed by hand or in a spreadsheet from the published
counts: for each recommendation, how many NGOs gave each score.

1. Only evaluations that an NGO has submitted to the coordinator are counted; drafts
   and evaluations awaiting the NGO's own approval are not. An evaluation that answers
   "no information" is left out entirely: it is neither a score nor an evaluation.

2. Each NGO rates each recommendation independently on a five-level scale scored 0, 25,
   50, 75 and 100, where 100 means fully implemented. Each NGO counts once per
   recommendation and period.

3. For each recommendation we count how many NGOs gave each score (the distribution)
   and report the number of NGOs (n), the mean score, the median, the lower and upper
   quartiles (Q1 and Q3), the interquartile range (Q3 minus Q1) and the percentage of
   NGOs that gave 100.

4. Quartiles use the inclusive method, the same as QUARTILE.INC in Excel and QUARTILE
   in LibreOffice: sort the n scores; quartile k (k = 1, 2 or 3) lies at position
   1 + k x (n - 1) / 4 in the sorted list, and when that position falls between two
   scores it is interpolated linearly between them. The median is the middle score, or
   the average of the two middle scores when n is even. With a single score, the
   median and both quartiles equal that score.

5. For a file or the plan, the mean score is the average of the mean scores of its
   evaluated recommendations: every evaluated recommendation weighs the same, however
   many NGOs rated it. Recommendations without evaluations are left out.

6. For a file or the plan, the share implemented is the percentage of its evaluated
   recommendations whose median score is exactly 100 (fully implemented). A median of
   87.5, for example two NGOs rating 75 and 100, does not count as fully implemented.

7. Coverage is the percentage of the recommendations of a file, of the plan or of the
   whole review that have at least one evaluation.

8. A recommendation rated by fewer than 2 NGOs has low coverage: its figures are shown
   with a warning and it is never flagged as divergent. A file or the plan has low
   coverage when none of its recommendations was rated by at least 2 NGOs; its number of
   NGOs is the largest number that rated any one of its recommendations.

9. Agreement between NGOs is measured with Krippendorff's alpha for ordinal data: each
   recommendation is a unit, each NGO a coder, and an NGO that did not rate a
   recommendation is missing data. Only recommendations rated by at least two NGOs
   contribute. Alpha is 1 for perfect agreement and 0 for agreement no better than
   chance; from 0.8 it is usually considered reliable, and between 0.667 and 0.8 it
   allows only tentative conclusions. Alpha is not shown when it cannot be computed
   (no recommendation rated by two NGOs, or every rating identical).

10. The gap is the government's self-reported figure minus the independent figure for
    the same measure at the same level, in points on the 0 to 100 scale: for a file or
    the plan its mean score or share implemented, for a single recommendation the NGOs'
    mean score. A positive gap means that the government reports more progress than
    the NGOs observe. There is no gap when either figure is missing.

11. A gap is flagged as divergent when it is at least 15 points in either direction
    and at least 2 NGOs contributed to the independent figure (for a file or the plan:
    rated at least one of its recommendations).

12. On every page and dataset published outside the coordinator's office (the public
    results, an NGO's results page, the open dataset), a recommendation rated by fewer
    than 2 NGOs shows no independent figure, and the independent figure, gap, flag,
    agreement and number of NGOs of a file or the plan are computed only over its
    recommendations rated by at least 2 NGOs, so that no withheld rating can be worked
    out by subtraction. The open dataset publishes a recommendation's distribution of
    ratings only from 5 NGOs up.

13. Every version an NGO submits gets a receipt, a fingerprint of exactly what it
    submitted mixed with a random number, and every receipt is added to a public log that
    can only grow. The NGO can download a proof that its receipt is in the log (it also
    comes by email) and should keep it outside monitor; anyone who keeps a signed head
    of the log can later check that no submitted evaluation was removed or changed. Each
    published period has an open dataset with a program, verify.py, that recomputes
    every published figure.

Technical notes (for reviewers)
-------------------------------
* Step 4 is the "inclusive" linear interpolation of Python's
  ``statistics.quantiles(data, n=4, method="inclusive")``, numpy's default
  ``numpy.quantile`` and Excel's ``QUARTILE.INC``. Quartiles are computed from the
  histogram by locating order statistics in the cumulative counts; the scores are never
  expanded into a list, so the cost does not depend on the number of NGOs.
* Step 9 follows Krippendorff, "Computing Krippendorff's Alpha-Reliability" (2011).
  For each unit u with m_u >= 2 pairable values and n_uc values c, the coincidence
  matrix is o_ck = sum_u n_uc (n_uk - [c = k]) / (m_u - 1); n_c = sum_k o_ck and
  n = sum_c n_c. The ordinal distance is
  delta_ck^2 = (sum_{g=c..k} n_g - (n_c + n_k) / 2)^2, and
  alpha = 1 - (n - 1) sum_ck o_ck delta_ck^2 / sum_ck n_c n_k delta_ck^2.
  It is computed in exact rational arithmetic and rounded to a float at the end.
* The thresholds in steps 8, 11 and 12 (2 NGOs, 15 points) are defaults; the deployment may
  set others (MONITOR_MIN_NGOS, MONITOR_DIVERGENCE_THRESHOLD), and ``method_steps()``
  then states the values in use.
"""
from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from numbers import Integral, Real

from flask_babel import lazy_gettext as _l

__all__ = [
    "SCALE",
    "FULLY_IMPLEMENTED",
    "DEFAULT_MIN_NGOS",
    "DEFAULT_DIVERGENCE_THRESHOLD",
    "RecommendationScore",
    "summarise",
    "quartiles",
    "mean_of_means",
    "share_implemented",
    "coverage",
    "is_low_coverage",
    "krippendorff_alpha_ordinal",
    "gap",
    "is_divergent",
    "METHOD_STEPS",
    "method_steps",
]

SCALE: tuple[int, ...] = (0, 25, 50, 75, 100)
FULLY_IMPLEMENTED = 100
DEFAULT_MIN_NGOS = 2
DEFAULT_DIVERGENCE_THRESHOLD = 15.0


# --- Per recommendation ------------------------------------------------------------------


@dataclass(frozen=True)
class RecommendationScore:
    """Figures for one recommendation (step 3 of the method). All None when n == 0."""

    n: int
    mean: float | None
    median: float | None
    q1: float | None
    q3: float | None
    iqr: float | None
    distribution: dict[int, int] = field(default_factory=lambda: dict.fromkeys(SCALE, 0))
    #: Percentage (0-100) of the NGOs that gave 100.
    share_fully: float | None = None


def _distribution(hist: Mapping[int, int]) -> dict[int, int]:
    """Validate a histogram and return it with all five scores as keys, in scale order."""
    dist = dict.fromkeys(SCALE, 0)
    for score, count in hist.items():
        if score is None:  # "no information" (a NULL score) is not a score: step 1
            continue
        if isinstance(score, bool) or not isinstance(score, Integral) or int(score) not in dist:
            raise ValueError(f"score {score!r} is not on the scale {SCALE}")
        if isinstance(count, bool) or not isinstance(count, Integral) or count < 0:
            raise ValueError(f"count for score {score!r} must be a non-negative integer")
        dist[int(score)] += int(count)
    return dist


class _OrderStatistics:
    """The sorted list of scores described by a histogram, without building it.

    ``self[k]`` is the k-th smallest score (0-based), found by bisecting the cumulative
    counts, so memory and time do not depend on the number of ratings.
    """

    def __init__(self, dist: Mapping[int, int]):
        self.values: list[int] = []
        self.cumulative: list[int] = []  # cumulative[i] = number of scores <= values[i]
        total = 0
        for value in sorted(dist):
            if dist[value]:
                total += dist[value]
                self.values.append(value)
                self.cumulative.append(total)
        self.n = total

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, k: int) -> int:
        if not 0 <= k < self.n:
            raise IndexError(k)
        return self.values[bisect_right(self.cumulative, k)]


def _inclusive_quartiles(data: _OrderStatistics) -> tuple[float, float, float]:
    """Q1, Q2, Q3 exactly as ``statistics.quantiles(data, n=4, method="inclusive")``."""
    n = len(data)
    if n == 1:
        only = float(data[0])
        return only, only, only
    m = n - 1
    result = []
    for i in (1, 2, 3):
        j, delta = divmod(i * m, 4)
        upper = data[j + 1] if delta else 0  # data[j + 1] may not exist when delta == 0
        result.append((data[j] * (4 - delta) + upper * delta) / 4)
    return result[0], result[1], result[2]


def _median(data: _OrderStatistics) -> float:
    n = len(data)
    half = n // 2
    if n % 2:
        return float(data[half])
    return (data[half - 1] + data[half]) / 2


def quartiles(hist: Mapping[int, int]) -> tuple[float, float, float] | None:
    """(Q1, median, Q3) of a histogram by the inclusive method (step 4); None if empty."""
    data = _OrderStatistics(_distribution(hist))
    if not len(data):
        return None
    q1, _, q3 = _inclusive_quartiles(data)
    return q1, _median(data), q3


def summarise(hist: Mapping[int, int]) -> RecommendationScore:
    """Figures for one recommendation from its histogram ``{score: number of NGOs}``.

    Scores missing from the histogram count as 0. A ``None`` key ("no information", a
    NULL score in the database) is ignored. Raises ValueError for any other score that
    is not on SCALE or a count that is not a non-negative integer.

    Quartiles: sort the n scores; quartile k lies at position 1 + k(n - 1)/4 (counting
    from 1) and is interpolated linearly between the two neighbouring scores when the
    position is fractional ("inclusive" method: QUARTILE.INC in Excel, numpy's default,
    ``statistics.quantiles(..., method="inclusive")``). The median is the middle score,
    or the mean of the two middle scores when n is even. With n == 1, all three equal
    the single score. With n == 0 every figure is None.
    """
    dist = _distribution(hist)
    data = _OrderStatistics(dist)
    n = len(data)
    if n == 0:
        return RecommendationScore(0, None, None, None, None, None, dist, None)
    mean = sum(score * count for score, count in dist.items()) / n
    q1, _, q3 = _inclusive_quartiles(data)
    return RecommendationScore(
        n=n,
        mean=mean,
        median=_median(data),
        q1=q1,
        q3=q3,
        iqr=q3 - q1,
        distribution=dist,
        share_fully=100 * dist[FULLY_IMPLEMENTED] / n,
    )


# --- File / plan measures ----------------------------------------------------------------


def _present(values: Iterable[float | None]) -> list[float]:
    out = []
    for value in values:
        if value is None:
            continue
        if isinstance(value, float) and math.isnan(value):
            raise ValueError("NaN is not a score; pass None for a recommendation without data")
        out.append(value)
    return out


def mean_of_means(means: Iterable[float | None]) -> float | None:
    """mean_score of a file or plan (step 5): the plain average of the recommendations'
    mean scores, each evaluated recommendation weighing the same. None entries
    (recommendations without evaluations) are skipped; None when nothing is left."""
    values = _present(means)
    if not values:
        return None
    return math.fsum(values) / len(values)


def share_implemented(medians: Iterable[float | None]) -> float | None:
    """share_implemented of a file or plan (step 6): percentage (0-100) of evaluated
    recommendations whose median is exactly 100.

    A median of 87.5 (an even number of NGOs split between 75 and 100) is NOT fully
    implemented. None entries (recommendations without evaluations) are skipped; None
    when nothing is left.
    """
    values = _present(medians)
    if not values:
        return None
    fully = sum(1 for value in values if value == FULLY_IMPLEMENTED)
    return 100 * fully / len(values)


def coverage(evaluated: int, total: int) -> float | None:
    """Percentage (0-100) of a level's ``total`` recommendations that have at least one
    evaluation (step 7); None when the level has no recommendations."""
    if total < 0 or evaluated < 0 or evaluated > total:
        raise ValueError("need 0 <= evaluated <= total")
    if total == 0:
        return None
    return 100 * evaluated / total


def is_low_coverage(n_ngos: int, *, min_ngos: int = DEFAULT_MIN_NGOS) -> bool:
    """True when fewer than ``min_ngos`` NGOs rated the item (step 8), including none."""
    return n_ngos < min_ngos


# --- Agreement ---------------------------------------------------------------------------


def krippendorff_alpha_ordinal(histograms: Iterable[Mapping[int, int]]) -> float | None:
    """Krippendorff's alpha, ordinal metric (step 9).

    Each histogram ``{value: number of coders}`` is one unit (a recommendation); each
    NGO is a coder and an NGO that did not rate a unit is missing data. Values may be
    any ordered numbers (only their order matters); zero counts and a ``None`` key ("no
    information") are ignored. Units with
    fewer than 2 values are not pairable and are dropped.

    Returns None when alpha is undefined: no unit with 2 or more values, or no expected
    disagreement (all pairable values identical). Computed exactly with fractions, then
    converted to float; agrees with ``krippendorff.alpha(..., level_of_measurement=
    "ordinal")``.
    """
    # Sum of n_uc * (n_uk - [c == k]) over units, grouped by m_u, so the division by
    # (m_u - 1) is done once per group and stays exact.
    by_size: dict[int, dict[tuple, int]] = {}
    marginals: dict = {}
    for hist in histograms:
        items = []
        for value, count in hist.items():
            if value is None:  # "no information" is missing data
                continue
            if isinstance(count, bool) or not isinstance(count, Integral) or count < 0:
                raise ValueError(f"count for value {value!r} must be a non-negative integer")
            if not isinstance(value, Real) or (isinstance(value, float) and math.isnan(value)):
                raise ValueError(f"value {value!r} is not a number")
            if count:
                items.append((value, int(count)))
        m = sum(count for _, count in items)
        if m < 2:
            continue
        sums = by_size.setdefault(m, {})
        for c, n_c in items:
            marginals[c] = marginals.get(c, 0) + n_c
            for k, n_k in items:
                if c < k:  # the matrix is symmetric and the diagonal has distance 0
                    sums[(c, k)] = sums.get((c, k), 0) + n_c * n_k
    values = sorted(marginals)
    n = sum(marginals.values())
    if n < 2 or len(values) < 2:
        return None

    # delta_ck^2 = (sum_{g=c..k} n_g - (n_c + n_k)/2)^2 = (2 * sum - n_c - n_k)^2 / 4
    cumulative = []  # cumulative[i] = n_{values[0]} + ... + n_{values[i]}
    running = 0
    for value in values:
        running += marginals[value]
        cumulative.append(running)
    deltas: dict[tuple, int] = {}
    expected = 0
    for i, c in enumerate(values):
        for j in range(i + 1, len(values)):
            k = values[j]
            between = cumulative[j] - (cumulative[i - 1] if i else 0)
            delta = (2 * between - marginals[c] - marginals[k]) ** 2  # 4 x delta^2
            deltas[(c, k)] = delta
            expected += marginals[c] * marginals[k] * delta
    if expected == 0:
        return None
    # observed = sum_ck o_ck delta_ck = sum_m (sum_ck t_mck delta_ck) / (m - 1), kept exact
    # over one common denominator: integer arithmetic, one division at the end.
    common = math.lcm(*(m - 1 for m in by_size))
    numerator = sum(
        (common // (m - 1)) * sum(total * deltas[pair] for pair, total in sums.items())
        for m, sums in by_size.items())
    observed = Fraction(numerator, common)
    return float(1 - (n - 1) * observed / expected)


# --- Official versus independent ---------------------------------------------------------


def gap(official: float | None, independent: float | None) -> float | None:
    """official - independent in points (step 10); None unless both are present."""
    if official is None or independent is None:
        return None
    return official - independent


def is_divergent(
    gap: float | None,
    n_ngos: int,
    *,
    threshold: float = DEFAULT_DIVERGENCE_THRESHOLD,
    min_ngos: int = DEFAULT_MIN_NGOS,
) -> bool:
    """Divergence flag (step 11): |gap| >= threshold and n_ngos >= min_ngos."""
    if gap is None:
        return False
    return abs(gap) >= threshold and n_ngos >= min_ngos


# --- The method as translatable text -----------------------------------------------------


def _format_number(value: float | str) -> str:
    if isinstance(value, str):
        return value
    return f"{value:g}"


def method_steps(
    *,
    threshold: float | str = DEFAULT_DIVERGENCE_THRESHOLD,
    min_ngos: int | str = DEFAULT_MIN_NGOS,
) -> list:
    """The steps of the method as lazy gettext strings, stating the thresholds in use.

    ``threshold`` and ``min_ngos`` may be passed already formatted for the locale (str).
    Each string is a literal inside ``_l(...)`` so that ``pybabel extract -k _l`` finds
    it; none contains a bare percent sign.
    """
    t = _format_number(threshold)
    m = _format_number(min_ngos)
    return [
        _l(
            "Only evaluations that an NGO has submitted to the coordinator are counted; "
            "drafts and evaluations awaiting the NGO's own approval are not. An evaluation "
            'that answers "no information" is left out entirely: it is neither a score nor '
            "an evaluation."
        ),
        _l(
            "Each NGO rates each recommendation independently on a five-level scale scored "
            "0, 25, 50, 75 and 100, where 100 means fully implemented. Each NGO counts once "
            "per recommendation and period."
        ),
        _l(
            "For each recommendation we count how many NGOs gave each score (the "
            "distribution) and report the number of NGOs (n), the mean score, the median, "
            "the lower and upper quartiles (Q1 and Q3), the interquartile range (Q3 minus "
            "Q1) and the percentage of NGOs that gave 100."
        ),
        _l(
            "Quartiles use the inclusive method, the same as QUARTILE.INC in Excel and "
            "QUARTILE in LibreOffice: sort the n scores; quartile k (k = 1, 2 or 3) lies at "
            "position 1 + k x (n - 1) / 4 in the sorted list, and when that position falls "
            "between two scores it is interpolated linearly between them. The median is the "
            "middle score, or the average of the two middle scores when n is even. With a "
            "single score, the median and both quartiles equal that score."
        ),
        _l(
            "For a file or the plan, the mean score is the average of the mean scores of its "
            "evaluated recommendations: every evaluated recommendation weighs the same, "
            "however many NGOs rated it. Recommendations without evaluations are left out."
        ),
        _l(
            "For a file or the plan, the share implemented is the percentage of its evaluated "
            "recommendations whose median score is exactly 100 (fully implemented). A median "
            "of 87.5, for example two NGOs rating 75 and 100, does not count as fully "
            "implemented."
        ),
        _l(
            "Coverage is the percentage of the recommendations of a file, of the plan or of "
            "the whole review that have at least one evaluation."
        ),
        _l(
            "A recommendation rated by fewer than %(min_ngos)s NGOs has low coverage: its "
            "figures are shown with a warning and it is never flagged as divergent. A file or "
            "the plan has low coverage when none of its recommendations was rated by at "
            "least %(min_ngos)s NGOs; its number of NGOs is the largest number that rated "
            "any one of its recommendations.",
            min_ngos=m,
        ),
        _l(
            "Agreement between NGOs is measured with Krippendorff's alpha for ordinal data: "
            "each recommendation is a unit, each NGO a coder, and an NGO that did not rate a "
            "recommendation is missing data. Only recommendations rated by at least two NGOs "
            "contribute. Alpha is 1 for perfect agreement and 0 for agreement no better than "
            "chance; from 0.8 it is usually considered reliable, and between 0.667 and 0.8 "
            "it allows only tentative conclusions. Alpha is not shown when it cannot be "
            "computed (no recommendation rated by two NGOs, or every rating identical)."
        ),
        _l(
            "The gap is the government's self-reported figure minus the independent figure "
            "for the same measure at the same level, in points on the 0 to 100 scale: for a "
            "file or the plan its mean score or share implemented, for a single "
            "recommendation the NGOs' mean score. A positive gap means that the government "
            "reports more progress than the NGOs observe. There is no gap when either "
            "figure is missing."
        ),
        _l(
            "A gap is flagged as divergent when it is at least %(threshold)s points in "
            "either direction and at least %(min_ngos)s NGOs contributed to the independent "
            "figure (for a file or the plan: rated at least one of its recommendations).",
            threshold=t,
            min_ngos=m,
        ),
        _l(
            "On every page and dataset published outside the coordinator's office (the "
            "public results, an NGO's results page, the open dataset), a recommendation "
            "rated by fewer than %(min_ngos)s NGOs shows no independent figure, and the "
            "independent figure, gap, flag, agreement and number of NGOs of a file or the "
            "plan are computed only over its recommendations rated by at least "
            "%(min_ngos)s NGOs, so that no withheld rating can be worked out by subtraction. "
            "The open dataset publishes a recommendation's distribution of ratings only "
            "from 5 NGOs up.",
            min_ngos=m,
        ),
        _l(
            "Every version an NGO submits gets a receipt, a fingerprint of exactly what it "
            "submitted mixed with a random number, and every receipt is added to a public "
            "log that can only grow. The NGO can download a proof that its receipt is in the "
            "log (it also comes by email) and should keep it outside monitor; anyone who "
            "keeps a signed head of the log can later check that no submitted evaluation was "
            "removed or changed. Each published period has an open dataset with a program, "
            "verify.py, that recomputes every published figure."
        ),
    ]


#: The method with the default thresholds, as lazy (translatable) strings.
METHOD_STEPS: list = method_steps()
