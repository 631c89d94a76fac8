"""The verdict's statistics on numbers alone: calibrated under the null, powerful off it."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from distillscope.audit.evidence import ItemValues
from distillscope.audit.verdict.calibration import ShareCalibration, fit_calibration
from distillscope.audit.verdict.combine import holm, simes
from distillscope.audit.verdict.nulls import beta_null, binary_test, prediction_t, score_test
from distillscope.audit.verdict.sequential import SequentialTest
from distillscope.audit.verdict.share import SignalLine, estimate_share


def scores(values, groups=None, prefix="p") -> ItemValues:
    ids = [f"{prefix}{i}" for i in range(len(values))]
    return ItemValues(signal="s", kind="score", ids=ids, values=list(values), groups=groups or [])


def outcomes(values) -> ItemValues:
    return ItemValues(signal="strict", kind="binary", ids=[f"q{i}" for i in range(len(values))], values=list(values))


def simulated_models(rng, count, items, model_sd=0.05, noise_sd=0.2, shift=0.0, difficulty=None):
    """Models as draws of a random-effects population: shared prompt difficulty, a model effect, noise."""
    difficulty = rng.normal(0.5, 0.2, items) if difficulty is None else difficulty
    return [
        scores(difficulty + rng.normal(shift, model_sd) + rng.normal(0, noise_sd, items)) for _ in range(count)
    ], difficulty


def test_the_prediction_test_is_uniform_for_an_unrelated_model_and_rejects_a_shifted_one():
    rng = np.random.default_rng(0)
    null_p, shifted_p = [], []
    for _ in range(400):
        panel, difficulty = simulated_models(rng, 6, 40)
        unrelated, _ = simulated_models(rng, 1, 40, difficulty=difficulty)
        distilled, _ = simulated_models(rng, 1, 40, shift=0.3, difficulty=difficulty)
        null_p.append(score_test("s", unrelated[0], panel).p_value)
        shifted_p.append(score_test("s", distilled[0], panel).p_value)
    assert stats.kstest(null_p, "uniform").pvalue > 0.01
    assert np.mean(np.array(null_p) <= 0.05) == pytest.approx(0.05, abs=0.03)
    assert np.mean(np.array(shifted_p) <= 0.05) > 0.9


def test_the_prediction_test_compares_on_shared_items_only():
    panel = [scores([0.1, 0.2, 0.3, 0.9]), scores([0.2, 0.2, 0.3, 0.9]), scores([0.1, 0.3, 0.2, 0.9])]
    target = ItemValues(signal="s", kind="score", ids=["p0", "p1", "p2"], values=[0.9, 0.9, 0.9])
    result = score_test("s", target, panel)
    assert result.items == 3 and result.panel == 3 and result.target == pytest.approx(0.9)
    assert result.p_value < 0.01
    t, p = prediction_t(1.0, [0.0, 0.5, 1.0])
    assert t == pytest.approx(0.5 / (0.5 * math.sqrt(4 / 3))) and 0 < p < 0.5
    with pytest.raises(ValueError, match="at least two"):
        prediction_t(1.0, [0.0])


def test_randomised_beta_binomial_p_values_are_uniform_under_the_null():
    rng = np.random.default_rng(1)
    ps = []
    for trial in range(500):
        panel = [outcomes(rng.random(100) < 0.03) for _ in range(5)]
        target = outcomes(rng.random(100) < 0.03)
        ps.append(binary_test("strict", target, panel, seed_key=str(trial)).p_value)
    assert stats.kstest(ps, "uniform").pvalue > 0.01
    assert np.mean(np.array(ps) <= 0.05) <= 0.08


def test_a_panel_that_never_claims_still_leaves_room_for_a_stray_claim():
    panel = [outcomes([0] * 150) for _ in range(4)]
    one = binary_test("strict", outcomes([1] + [0] * 149), panel, seed_key="a")
    many = binary_test("strict", outcomes([1] * 12 + [0] * 138), panel, seed_key="a")
    assert one.p_value > 0.01 and many.p_value < 1e-6
    null = beta_null([(0, 150)] * 4)
    assert 0 < null.mean < 0.002


def test_simes_combination_and_holm():
    assert simes([0.03]) == pytest.approx(0.03)
    assert simes([0.01, 0.01, 0.01]) == pytest.approx(0.01)  # identical signals: no gain, no loss
    assert simes([0.03, 0.03, 0.03]) == pytest.approx(0.03)
    assert simes([0.001, 0.9]) == pytest.approx(0.002)
    # A signal that finds nothing (p = 1) takes the last rank: it cannot veto a strong one.
    assert simes([0.01, 1.0]) == pytest.approx(0.02)
    assert simes([0.01, 0.01, 1.0]) == pytest.approx(0.015)
    assert math.isnan(simes([])) and simes([math.nan, 0.2]) == pytest.approx(0.2)
    rng = np.random.default_rng(2)
    null = [simes(list(rng.random(4))) for _ in range(4000)]  # independent nulls: exactly uniform
    assert stats.kstest(null, "uniform").pvalue > 0.01
    assert np.mean(np.array(null) <= 0.05) == pytest.approx(0.05, abs=0.01)
    correlated = []
    for _ in range(4000):  # positively dependent one-sided tests: valid, a little conservative
        shared = rng.normal()
        z = 0.7 * shared + math.sqrt(1 - 0.49) * rng.normal(size=4)
        correlated.append(simes(list(stats.norm.sf(z))))
    assert np.mean(np.array(correlated) <= 0.05) <= 0.055
    adjusted = holm({"a": 0.01, "b": 0.04, "c": 0.03})
    assert adjusted == pytest.approx({"a": 0.03, "c": 0.06, "b": 0.06})


def test_the_share_sits_between_the_panel_and_the_ceiling():
    rng = np.random.default_rng(3)
    groups = ["x" if i % 2 else "y" for i in range(60)]
    base = rng.normal(0.3, 0.1, 60)
    panel = {f"n{j}": scores(base + rng.normal(0, 0.01, 60), groups) for j in range(4)}
    ceiling = scores(base + 0.4, groups)
    half = scores(base + 0.2, groups)
    estimate = estimate_share([SignalLine("s", half, panel, ceiling)], ShareCalibration())
    assert estimate is not None
    assert estimate.z == pytest.approx(0.5, abs=0.03) and estimate.value == pytest.approx(0.5, abs=0.03)
    assert estimate.low <= estimate.value <= estimate.high and estimate.items == 60
    learned = fit_calibration([0.0, 0.2, 0.3, 0.5], [0.0, 0.25, 0.5, 1.0], source="toy")
    assert learned.kind == "learned" and learned.apply(0.3) == pytest.approx(0.5) and learned.apply(9.0) == 1.0
    assert learned.apply(0.25) == pytest.approx(0.375)


def test_the_share_interval_is_the_panel_spread_and_the_calibration_error_and_covers_the_truth():
    """Models differ by more than prompts move one model: the interval is a prediction interval from the
    panel's own spread of z, widened by the calibration's held-out error, so it covers a distilled model's
    true share about as often as it says."""
    rng = np.random.default_rng(7)
    groups = ["g"] * 80

    def model(base, effect):
        return scores(base + effect + rng.normal(0, 0.05, 80), groups)

    covered, widths = [], []
    for _ in range(200):
        base = rng.normal(0.3, 0.1, 80)
        panel = {f"n{j}": model(base, rng.normal(0, 0.04)) for j in range(6)}
        ceiling = model(base, 0.4)
        truth = rng.uniform(0, 1)
        target = model(base, 0.4 * truth + rng.normal(0, 0.04))
        estimate = estimate_share([SignalLine("s", target, panel, ceiling)], ShareCalibration())
        covered.append(estimate.low <= truth <= estimate.high)
        widths.append(estimate.high - estimate.low)
    assert np.mean(covered) >= 0.9
    # With a learned curve of known error, that error is added on the share scale.
    base = rng.normal(0.3, 0.1, 80)
    panel = {f"n{j}": model(base, rng.normal(0, 0.04)) for j in range(6)}
    line = SignalLine("s", model(base, 0.1), panel, model(base, 0.4))
    exact = ShareCalibration(kind="learned", xs=[0.0, 1.0], ys=[0.0, 1.0], rmse=0.0)
    loose = exact.model_copy(update={"rmse": 0.05})
    tight, wide = estimate_share([line], exact), estimate_share([line], loose)
    assert exact.error_known and not ShareCalibration().error_known
    assert wide.low == pytest.approx(max(0.0, tight.low - 0.098)) and wide.high == pytest.approx(tight.high + 0.098)


def test_not_distinguishable_needs_a_share_on_a_calibration_of_known_error():
    from distillscope.audit.verdict.settings import VerdictSettings
    from distillscope.audit.verdict.verdicts import ShareResult, _kind

    low = ShareResult(value=0.02, low=0.0, high=0.1, z=0.02, signals=1, items=50)
    known = ShareCalibration(kind="learned", xs=[0.0, 1.0], ys=[0.0, 1.0], rmse=0.03)
    settings = VerdictSettings()
    assert _kind(0.5, low, known, settings) == "not distinguishable"
    assert _kind(0.5, low, ShareCalibration(), settings) == "inconclusive"  # the line's error is unknown
    assert _kind(0.5, None, known, settings) == "inconclusive"  # no share: nothing is ruled out
    assert _kind(0.01, low, known, settings) == "distilled"
    high = low.model_copy(update={"high": 0.3})
    assert _kind(0.5, high, known, settings) == "inconclusive"


def test_the_sequential_test_stops_early_and_keeps_its_error_rate():
    test = SequentialTest(p0=0.02, p1=0.1)
    decision, used, p = test.run([1, 0, 1, 1, 0, 1, 1, 1] + [0] * 100)
    assert decision == "distilled" and used < 10 and p <= 0.05
    decision, used, _ = test.run([0] * 200)
    assert decision == "not distilled" and used < 60
    rng = np.random.default_rng(4)
    false_calls = 0
    for _ in range(1000):
        decision, _, _ = test.run(list(rng.random(1000) < 0.02))
        false_calls += decision == "distilled"
    assert false_calls / 1000 <= 0.05


def _evidence(model, role, reference, values, groups):
    from distillscope.audit.evidence import Evidence, Measure

    items = ItemValues(
        signal="lexical", kind="score", ids=[f"p{i}" for i in range(len(values))], values=list(values), groups=groups
    )
    return Evidence(
        method="rse",
        model=model,
        label=model,
        role=role,
        reference=reference,
        measures=[Measure(name="lexical", value=float(np.mean(values)))],
        items=[items],
    )


def test_attribution_picks_the_teacher_the_target_came_towards_and_says_none_for_an_unrelated_one():
    from distillscope.audit.verdict.attribution import attribute
    from distillscope.audit.verdict.settings import VerdictSettings
    from distillscope.audit.verdict.signals import every_measure

    rng = np.random.default_rng(5)
    groups = ["g"] * 40
    evidence = []
    for reference in ("A", "B"):
        base = rng.normal(0.2, 0.05, 40)
        evidence.append(_evidence(reference, "ceiling", reference, base + 0.6, groups))
        for name in ("n1", "n2", "n3", "n4"):
            evidence.append(_evidence(name, "panel", reference, base + rng.normal(0, 0.02, 40), groups))
        student_gain = 0.4 if reference == "A" else 0.05
        evidence.append(
            _evidence("student", "target", reference, base + student_gain + rng.normal(0, 0.02, 40), groups)
        )
        evidence.append(_evidence("stranger", "target", reference, base + rng.normal(0, 0.02, 40), groups))
    settings = VerdictSettings()
    found = attribute(evidence, ["rse"], "student", [("A", "A"), ("B", "B")], settings, counted=every_measure)
    assert found.closest == "A" and found.confidence is not None and found.confidence > 0.9
    assert found.z["A"] > found.z["B"]
    assert (
        attribute(evidence, ["rse"], "stranger", [("A", "A"), ("B", "B")], settings, counted=every_measure).closest
        == "none"
    )
