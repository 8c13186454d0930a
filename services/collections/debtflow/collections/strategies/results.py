"""Champion/challenger results as pure statistics: each arm's measures with a 95 % confidence interval, and
whether a challenger differs from the champion, with the test named.

- Proportions (cure rate, promise-kept rate): Wilson score interval; difference by the two-proportion z-test
  (pooled), two-sided.
- Ratios over debts (recovery rate = recovered / exposure at entry; cost per unit recovered = cost / recovered):
  the ratio estimator with its linearised (delta-method) standard error; difference by a two-sample z-test on
  the two ratios (large samples), two-sided.
- Complaints per 1,000 debts: a Poisson count's normal interval; difference by the z-test of two Poisson rates.
The significance level is 5 % (z > 1.96). With fewer than 30 debts in an arm no difference is called
significant: the normal approximations above do not hold for so few."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

Z95 = 1.959963984540054
MIN_DEBTS_FOR_A_TEST = 30


@dataclass(frozen=True)
class DebtOutcome:
    """What one debt of an arm did: its exposure when it entered, what was recovered, whether it cured, what it
    cost, its promises (made, kept) and complaints."""

    exposure: Decimal
    recovered: Decimal
    cured: bool
    cost: Decimal
    promises_made: int
    promises_kept: int
    complaints: int


@dataclass(frozen=True)
class Estimate:
    value: float | None
    low: float | None
    high: float | None
    standard_error: float | None = None


@dataclass(frozen=True)
class Comparison:
    measure: str
    test: str
    statistic: float | None
    p_value: float | None
    significant: bool
    statement: str


def _normal_p(z: float) -> float:
    """Two-sided p-value of a standard normal statistic."""
    return math.erfc(abs(z) / math.sqrt(2))


def wilson(successes: int, trials: int) -> Estimate:
    if trials == 0:
        return Estimate(None, None, None)
    p = successes / trials
    denominator = 1 + Z95 ** 2 / trials
    centre = (p + Z95 ** 2 / (2 * trials)) / denominator
    half = Z95 * math.sqrt(p * (1 - p) / trials + Z95 ** 2 / (4 * trials ** 2)) / denominator
    return Estimate(p, max(0.0, centre - half), min(1.0, centre + half), math.sqrt(p * (1 - p) / trials))


def ratio(numerators: Sequence[float], denominators: Sequence[float]) -> Estimate:
    """Σy / Σx with the delta-method standard error sqrt(Σ(y - R x)² / (n (n - 1))) / mean(x)."""
    n, total_x = len(numerators), sum(denominators)
    if n == 0 or total_x == 0:
        return Estimate(None, None, None)
    r = sum(numerators) / total_x
    if n < 2:
        return Estimate(r, None, None)
    residual = sum((y - r * x) ** 2 for y, x in zip(numerators, denominators, strict=True))
    se = math.sqrt(residual / (n * (n - 1))) / (total_x / n)
    return Estimate(r, r - Z95 * se, r + Z95 * se, se)


def per_thousand(count: int, debts: int) -> Estimate:
    if debts == 0:
        return Estimate(None, None, None)
    rate = count / debts * 1000
    se = math.sqrt(count) / debts * 1000
    return Estimate(rate, max(0.0, rate - Z95 * se), rate + Z95 * se, se)


def compare_proportions(measure: str, a: tuple[int, int], b: tuple[int, int]) -> Comparison:
    (sa, na), (sb, nb) = a, b
    test = "two-proportion z-test (pooled), two-sided, 5 %"
    if min(na, nb) < MIN_DEBTS_FOR_A_TEST:
        return _too_few(measure, test)
    pooled = (sa + sb) / (na + nb)
    se = math.sqrt(pooled * (1 - pooled) * (1 / na + 1 / nb))
    if se == 0:
        return Comparison(measure, test, None, None, False, f"{measure}: no difference (both arms identical)")
    return _verdict(measure, test, (sb / nb - sa / na) / se)


def compare_estimates(measure: str, champion: Estimate, challenger: Estimate, sizes: tuple[int, int], *,
                      test: str) -> Comparison:
    if min(sizes) < MIN_DEBTS_FOR_A_TEST or None in (champion.standard_error, challenger.standard_error,
                                                      champion.value, challenger.value):
        return _too_few(measure, test)
    se = math.hypot(champion.standard_error or 0.0, challenger.standard_error or 0.0)
    if se == 0:
        return Comparison(measure, test, None, None, False, f"{measure}: no difference (no variation)")
    return _verdict(measure, test, ((challenger.value or 0.0) - (champion.value or 0.0)) / se)


def _verdict(measure: str, test: str, z: float) -> Comparison:
    p = _normal_p(z)
    significant = p < 0.05
    direction = "higher" if z > 0 else "lower"
    statement = (f"{measure}: the challenger is {direction} than the champion and the difference is significant "
                 f"(z = {z:.2f}, p = {p:.4f})" if significant else
                 f"{measure}: no significant difference from the champion (z = {z:.2f}, p = {p:.4f})")
    return Comparison(measure, test, round(z, 4), round(p, 6), significant, statement)


def _too_few(measure: str, test: str) -> Comparison:
    return Comparison(measure, test, None, None, False,
                      f"{measure}: not tested, an arm has fewer than {MIN_DEBTS_FOR_A_TEST} debts")


@dataclass(frozen=True)
class ArmResult:
    strategy_code: str
    debts: int
    exposure: Decimal
    recovered: Decimal
    cost: Decimal
    recovery_rate: Estimate
    cure_rate: Estimate
    promise_kept_rate: Estimate
    cost_per_unit_recovered: Estimate
    complaints_per_1000: Estimate


def arm_result(strategy_code: str, outcomes: Sequence[DebtOutcome]) -> ArmResult:
    exposure = sum((o.exposure for o in outcomes), Decimal("0.00"))
    recovered = sum((o.recovered for o in outcomes), Decimal("0.00"))
    cost = sum((o.cost for o in outcomes), Decimal("0.00"))
    return ArmResult(
        strategy_code=strategy_code, debts=len(outcomes), exposure=exposure, recovered=recovered, cost=cost,
        recovery_rate=ratio([float(o.recovered) for o in outcomes], [float(o.exposure) for o in outcomes]),
        cure_rate=wilson(sum(o.cured for o in outcomes), len(outcomes)),
        promise_kept_rate=wilson(sum(o.promises_kept for o in outcomes), sum(o.promises_made for o in outcomes)),
        cost_per_unit_recovered=ratio([float(o.cost) for o in outcomes], [float(o.recovered) for o in outcomes]),
        complaints_per_1000=per_thousand(sum(o.complaints for o in outcomes), len(outcomes)),
    )


def compare(champion: ArmResult, challenger: ArmResult, champion_outcomes: Sequence[DebtOutcome],
            challenger_outcomes: Sequence[DebtOutcome]) -> list[Comparison]:
    sizes = (champion.debts, challenger.debts)
    kept = (sum(o.promises_kept for o in champion_outcomes), sum(o.promises_made for o in champion_outcomes))
    kept_b = (sum(o.promises_kept for o in challenger_outcomes), sum(o.promises_made for o in challenger_outcomes))
    cured = (sum(o.cured for o in champion_outcomes), champion.debts)
    cured_b = (sum(o.cured for o in challenger_outcomes), challenger.debts)
    ratio_test = "z-test on two ratio estimates (delta-method standard errors), two-sided, 5 %"
    return [
        compare_estimates("recovery rate", champion.recovery_rate, challenger.recovery_rate, sizes, test=ratio_test),
        compare_proportions("cure rate", cured, cured_b),
        compare_proportions("promise-kept rate", kept, kept_b) if min(kept[1], kept_b[1]) else
        _too_few("promise-kept rate", "two-proportion z-test (pooled), two-sided, 5 %"),
        compare_estimates("cost per unit recovered", champion.cost_per_unit_recovered,
                          challenger.cost_per_unit_recovered, sizes, test=ratio_test),
        compare_estimates("complaints per 1,000 debts", champion.complaints_per_1000, challenger.complaints_per_1000,
                          sizes, test="z-test of two Poisson rates, two-sided, 5 %"),
    ]
