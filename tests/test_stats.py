"""Tests for monitor.services.results.stats (pure functions, no app, no database)."""
from __future__ import annotations

import io
import math
import random
import re
import statistics
import time
import warnings
from pathlib import Path

import krippendorff
import numpy as np
import pytest

from monitor.services.results import stats
from monitor.services.results.stats import (
    METHOD_STEPS,
    SCALE,
    RecommendationScore,
    coverage,
    gap,
    is_divergent,
    is_low_coverage,
    krippendorff_alpha_ordinal,
    mean_of_means,
    method_steps,
    quartiles,
    share_implemented,
    summarise,
)


def expand(hist):
    return [score for score in SCALE for _ in range(hist.get(score, 0))]


def random_hist(rng, max_count):
    hist = {}
    for score in SCALE:
        if rng.random() < 0.7:
            hist[score] = rng.randint(0, max_count)
    return hist


# --- summarise ---------------------------------------------------------------------------


def test_empty_histogram_gives_all_none():
    for hist in ({}, {0: 0, 100: 0}):
        result = summarise(hist)
        assert result == RecommendationScore(
            n=0, mean=None, median=None, q1=None, q3=None, iqr=None,
            distribution={0: 0, 25: 0, 50: 0, 75: 0, 100: 0}, share_fully=None,
        )
    assert quartiles({}) is None


def test_single_rating():
    result = summarise({75: 1})
    assert (result.n, result.mean, result.median, result.q1, result.q3, result.iqr) == (
        1, 75.0, 75.0, 75.0, 75.0, 0.0)
    assert result.share_fully == 0.0
    assert result.distribution == {0: 0, 25: 0, 50: 0, 75: 1, 100: 0}


def test_small_worked_example():
    # 75, 100 -> median 87.5; Q1 at position 1.25 -> 81.25, Q3 at position 1.75 -> 93.75
    result = summarise({75: 1, 100: 1})
    assert (result.median, result.q1, result.q3, result.iqr) == (87.5, 81.25, 93.75, 12.5)
    assert result.share_fully == 50.0
    # 0, 25, 50, 100, 100: mean 55, median 50, Q1 25, Q3 100
    result = summarise({0: 1, 25: 1, 50: 1, 100: 2})
    assert (result.n, result.mean, result.median, result.q1, result.q3) == (5, 55, 50, 25, 100)
    assert result.share_fully == 40.0


def test_distribution_has_all_keys_in_scale_order():
    result = summarise({100: 3, 0: 1})
    assert list(result.distribution) == list(SCALE)
    assert result.distribution == {0: 1, 25: 0, 50: 0, 75: 0, 100: 3}


def test_matches_statistics_module_on_random_histograms():
    rng = random.Random(20240501)
    cases = 0
    for case in range(3000):
        hist = random_hist(rng, rng.choice((1, 2, 3, 5, 12, 40)))
        data = expand(hist)
        result = summarise(hist)
        assert result.n == len(data)
        if len(data) < 2:
            continue
        cases += 1
        q1, q2, q3 = statistics.quantiles(data, n=4, method="inclusive")
        assert result.q1 == q1
        assert result.q3 == q3
        assert result.median == statistics.median(data) == q2
        assert result.iqr == q3 - q1
        assert result.mean == pytest.approx(statistics.mean(data), abs=1e-12)
        assert result.share_fully == pytest.approx(100 * data.count(100) / len(data))
        assert quartiles(hist) == (q1, q2, q3)
        # numpy's default quantile and Excel's QUARTILE.INC use the same definition.
        if case % 10 == 0:
            assert np.quantile(data, [0.25, 0.75]).tolist() == pytest.approx([q1, q3], abs=1e-12)
    assert cases > 2000


def test_large_counts_do_not_expand():
    big = 10**12
    start = time.perf_counter()
    result = summarise({0: big, 100: big})
    assert time.perf_counter() - start < 0.1
    assert result.n == 2 * big
    assert (result.median, result.q1, result.q3, result.mean) == (50.0, 0.0, 100.0, 50.0)
    # Odd total: the middle one is the single 50.
    result = summarise({0: big, 50: 1, 100: big})
    assert result.median == 50.0


def test_medium_counts_against_statistics():
    rng = random.Random(7)
    for _ in range(40):
        hist = {score: rng.randint(0, 3000) for score in SCALE}
        data = expand(hist)
        result = summarise(hist)
        q1, q2, q3 = statistics.quantiles(data, n=4, method="inclusive")
        assert (result.q1, result.median, result.q3) == (q1, q2, q3)


def test_no_information_key_is_ignored():
    assert summarise({None: 4, 50: 1}) == summarise({50: 1})
    assert summarise({None: 4}).n == 0
    assert krippendorff_alpha_ordinal([{None: 3, 0: 2}, {100: 2, None: 1}]) == 1.0


@pytest.mark.parametrize("hist", [{10: 1}, {"50": 1}, {True: 2}, {50: -1}, {50: 1.5}, {50.0: 1}])
def test_invalid_histograms_are_rejected(hist):
    with pytest.raises(ValueError):
        summarise(hist)


def test_numpy_integers_are_accepted():
    result = summarise({np.int64(50): np.int64(2)})
    assert result.n == 2 and result.median == 50.0


# --- file / plan measures ----------------------------------------------------------------


def test_mean_of_means_weighs_recommendations_equally():
    # recommendation A: 10 NGOs all 100; recommendation B: 1 NGO at 0 -> 50, not 90.9
    a = summarise({100: 10})
    b = summarise({0: 1})
    assert mean_of_means([a.mean, b.mean]) == 50.0
    assert mean_of_means([a.mean, None, b.mean]) == 50.0
    assert mean_of_means(iter([25.0, 50.0, 100.0])) == pytest.approx(175 / 3)
    assert mean_of_means([]) is None
    assert mean_of_means([None, None]) is None
    with pytest.raises(ValueError):
        mean_of_means([math.nan])


def test_share_implemented_requires_median_of_exactly_100():
    medians = [
        summarise({100: 3}).median,           # 100
        summarise({75: 1, 100: 1}).median,    # 87.5: not fully implemented
        summarise({75: 1, 100: 2}).median,    # 100
        summarise({0: 2}).median,             # 0
    ]
    assert medians[1] == 87.5
    assert share_implemented(medians) == 50.0
    assert share_implemented(medians + [None]) == 50.0  # unevaluated: not in denominator
    assert share_implemented([]) is None
    assert share_implemented([None]) is None
    assert share_implemented(m for m in [100.0]) == 100.0


def test_coverage_and_low_coverage():
    assert coverage(3, 4) == 75.0
    assert coverage(0, 4) == 0.0
    assert coverage(0, 0) is None
    with pytest.raises(ValueError):
        coverage(5, 4)
    assert is_low_coverage(0) and is_low_coverage(1)
    assert not is_low_coverage(2)
    assert is_low_coverage(2, min_ngos=3)


# --- gap and divergence ------------------------------------------------------------------


def test_gap():
    assert gap(80.0, 55.0) == 25.0
    assert gap(40, 55.5) == -15.5
    assert gap(None, 50.0) is None
    assert gap(50.0, None) is None
    assert gap(None, None) is None
    assert gap(0, 0) == 0


def test_is_divergent():
    assert is_divergent(15.0, 2)            # threshold is inclusive
    assert is_divergent(-15.0, 2)           # either direction
    assert not is_divergent(14.99, 5)
    assert not is_divergent(40.0, 1)        # low coverage is never divergent
    assert not is_divergent(None, 10)
    assert is_divergent(10.0, 3, threshold=10, min_ngos=3)
    assert not is_divergent(10.0, 2, threshold=10, min_ngos=3)
    assert is_divergent(gap(90, 60), 2)


# --- Krippendorff's alpha ----------------------------------------------------------------


def matrix_to_histograms(matrix):
    """NGO x recommendation matrix (nan = missing) -> one histogram per recommendation."""
    matrix = np.asarray(matrix, dtype=float)
    hists = []
    for column in matrix.T:
        hist = {}
        for value in column[~np.isnan(column)]:
            hist[int(value)] = hist.get(int(value), 0) + 1
        hists.append(hist)
    return hists


# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C:
# 4 observers x 12 units, values 1-5, "." = missing.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, np.nan, np.nan, np.nan],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, np.nan, 3],
    [np.nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, np.nan],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, np.nan],
]


def test_published_worked_example():
    # First check the transcription against the paper's published values ...
    data = np.array(KRIPPENDORFF_2011, dtype=float)
    assert round(krippendorff.alpha(data, level_of_measurement="nominal"), 3) == 0.743
    assert round(krippendorff.alpha(data, level_of_measurement="ordinal"), 3) == 0.815
    assert round(krippendorff.alpha(data, level_of_measurement="interval"), 3) == 0.849
    # ... then ours.
    hists = matrix_to_histograms(data)
    assert round(krippendorff_alpha_ordinal(hists), 3) == 0.815
    assert krippendorff_alpha_ordinal(hists) == pytest.approx(
        krippendorff.alpha(data, level_of_measurement="ordinal"), abs=1e-12)
    # Ordinal alpha depends only on the order of the values: on our scale it is the same.
    on_scale = [{(value - 1) * 25: count for value, count in h.items()} for h in hists]
    assert round(krippendorff_alpha_ordinal(on_scale), 3) == 0.815


def test_alpha_matches_krippendorff_package_on_random_data():
    rng = np.random.default_rng(12345)
    compared = 0
    for _ in range(400):
        n_ngos = int(rng.integers(2, 9))
        n_recs = int(rng.integers(2, 30))
        # Correlated ratings: a latent level per recommendation plus noise, so alpha
        # takes a wide range of values, not only values around 0.
        latent = rng.integers(0, 5, size=n_recs)
        noise = rng.integers(-2, 3, size=(n_ngos, n_recs)) * (rng.random((n_ngos, n_recs)) < 0.5)
        levels = np.clip(latent + noise, 0, 4)
        matrix = (levels * 25).astype(float)
        matrix[rng.random((n_ngos, n_recs)) < rng.uniform(0, 0.6)] = np.nan
        hists = matrix_to_histograms(matrix)
        pairable = [h for h in hists if sum(h.values()) >= 2]
        domain = {v for h in hists for v, c in h.items() if c}
        ours = krippendorff_alpha_ordinal(hists)
        if not pairable or len(domain) < 2:
            assert ours is None
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            expected = krippendorff.alpha(matrix, level_of_measurement="ordinal")
        if math.isnan(expected):
            assert ours is None
            continue
        compared += 1
        assert ours == pytest.approx(expected, abs=1e-9)
    assert compared > 300


def test_alpha_perfect_agreement_and_systematic_disagreement():
    assert krippendorff_alpha_ordinal([{0: 3}, {50: 2}, {100: 4}]) == 1.0
    assert krippendorff_alpha_ordinal([{0: 1, 100: 1}, {0: 1, 100: 1}]) < 0


def test_alpha_undefined_cases():
    assert krippendorff_alpha_ordinal([]) is None
    assert krippendorff_alpha_ordinal([{50: 1}, {100: 1}]) is None   # nothing pairable
    assert krippendorff_alpha_ordinal([{50: 3}, {50: 2}]) is None    # no expected disagreement
    assert krippendorff_alpha_ordinal([{50: 2}, {100: 1}, {}]) is None
    # A single-value unit does not contribute, even with a different value.
    assert krippendorff_alpha_ordinal([{50: 2}, {75: 2}, {0: 1}]) == 1.0


def test_alpha_ignores_zero_counts_and_rejects_bad_counts():
    assert krippendorff_alpha_ordinal([{0: 2, 25: 0}, {100: 2, 75: 0}]) == 1.0
    with pytest.raises(ValueError):
        krippendorff_alpha_ordinal([{50: -1}])
    with pytest.raises(ValueError):
        krippendorff_alpha_ordinal([{50: 1.5}])


def test_alpha_with_many_units_is_fast():
    rng = random.Random(3)
    hists = [random_hist(rng, 6) for _ in range(5000)]
    start = time.perf_counter()
    value = krippendorff_alpha_ordinal(hists)
    assert time.perf_counter() - start < 1.0
    assert value is not None and -1 <= value <= 1


# --- the written method ------------------------------------------------------------------


def normalise(text):
    return re.sub(r"\s+", " ", text).strip()


def test_method_steps_are_lazy_strings_usable_without_an_app():
    assert len(METHOD_STEPS) == 13
    for step in METHOD_STEPS:
        assert type(step).__name__ == "LazyString"
        text = str(step)
        assert text and text[0].isupper() and text.endswith(".")
        assert "%(" not in text and "%" not in text


def test_module_docstring_states_the_same_method():
    doc = normalise(stats.__doc__)
    for number, step in enumerate(METHOD_STEPS, start=1):
        assert f"{number}. {normalise(str(step))}" in doc


def test_method_steps_state_the_configured_thresholds():
    steps = [str(s) for s in method_steps(threshold=20.0, min_ngos=3)]
    assert "at least 20 points" in steps[10]
    assert "at least 3 NGOs" in steps[10]
    assert "fewer than 3 NGOs" in steps[7]
    defaults = [str(s) for s in METHOD_STEPS]
    assert "at least 15 points" in defaults[10] and "fewer than 2 NGOs" in defaults[7]
    assert "at least ١٥ points" in str(method_steps(threshold="١٥")[10])


def test_method_steps_are_extractable_by_babel():
    from babel.messages.extract import extract

    source = Path(stats.__file__).read_bytes()
    found = [msg[1] for msg in extract("python", io.BytesIO(source), keywords={"_l": None})]
    assert len(found) == len(METHOD_STEPS)
    templates = [normalise(s._args[0]) for s in METHOD_STEPS]
    assert [normalise(f) for f in found] == templates
    for msgid in found:
        # A bare "%" would be read as a python-format placeholder by translation tools.
        assert re.sub(r"%\((threshold|min_ngos)\)s", "", msgid).count("%") == 0
