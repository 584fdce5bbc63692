"""Cumulative wage withholding for month 11 of N employees: our vectorised int64 path against
OpenFisca computing the same figures in the same run.

OpenFisca is NOT a project dependency. Install it for the benchmark only, best in its own venv:

    python -m venv /tmp/ofenv && /tmp/ofenv/bin/pip install openfisca-core
    PYTHONPATH=src /tmp/ofenv/bin/python bench/tax_batch.py [N] [OPENFISCA_N]

Without OpenFisca the script says so and exits cleanly. The OpenFisca tax-benefit system defined
here uses the parameters of ``smartgov.tax.rules`` (the same annual table and basic deduction,
converted to yuan as OpenFisca's models hold money), so any difference is arithmetic: OpenFisca
stores float variables as float32; we compute in integer fen with the law's rounding.

Prints: each path's time (best of a few runs), the ratio, the peak memory each path allocated
(tracemalloc, which numpy reports to), and how many employees' withholding differs by more than 0 fen.
If OPENFISCA_N < N, OpenFisca runs on the first OPENFISCA_N employees and its time is scaled
linearly to N (stated in the output).
"""

from __future__ import annotations

import resource
import sys
import time
import tracemalloc
from datetime import date

import numpy as np

from smartgov.tax.rules import Population, param, withhold_population

PERIOD = "2024-11"
MONTH = 11


def make_population(n: int, seed: int = 2024) -> Population:
    """Random but plausible: wages log-normal around 8,000 a month, some joined mid-year; the tax
    already withheld is what our own path withheld through October (so month 11 is realistic)."""
    rng = np.random.default_rng(seed)
    months = np.where(rng.random(n) < 0.85, MONTH, rng.integers(1, MONTH + 1, n)).astype(np.int64)
    monthly = np.minimum(rng.lognormal(np.log(800_000), 0.8, n), 50_000_000).astype(np.int64)  # fen
    social = (monthly * rng.uniform(0.0, 0.225, n)).astype(np.int64)
    additional = rng.choice(np.array([0, 100_000, 200_000, 300_000, 400_000, 500_000]), n).astype(np.int64)
    other = np.where(rng.random(n) < 0.1, 100_000, 0).astype(np.int64)
    exempt = np.where(rng.random(n) < 0.05, rng.integers(0, 50_000, n), 0).astype(np.int64)
    before = np.maximum(months - 1, 1)
    earlier = Population(
        months_employed=before,
        cumulative_income=monthly * before,
        cumulative_exempt_income=np.minimum(exempt, monthly * before),
        cumulative_special_deductions=social * before,
        cumulative_special_additional=additional * before,
        cumulative_other_deductions=other * before,
        cumulative_reliefs=np.zeros(n, dtype=np.int64),
        cumulative_withheld=np.zeros(n, dtype=np.int64),
    )
    # roughly what was withheld by October (cumulative tax through October: the last month's figure
    # of the cumulative method); nobody who joined in November has withheld anything
    withheld = withhold_population(earlier, "2024-10").cumulative_tax * (months > 1)
    return Population(
        months_employed=months,
        cumulative_income=monthly * months,
        cumulative_exempt_income=np.minimum(exempt, monthly * months),
        cumulative_special_deductions=social * months,
        cumulative_special_additional=additional * months,
        cumulative_other_deductions=other * months,
        cumulative_reliefs=np.zeros(n, dtype=np.int64),
        cumulative_withheld=withheld.astype(np.int64),
    )


def openfisca_system():  # type: ignore[no-untyped-def]
    from openfisca_core.entities import build_entity
    from openfisca_core.model_api import MONTH as OF_MONTH
    from openfisca_core.model_api import Variable, max_
    from openfisca_core.parameters import ParameterNode
    from openfisca_core.taxbenefitsystems import TaxBenefitSystem

    on = date(2024, 11, 1)
    table = param("iit.annual_table", on)
    basic = param("iit.basic_deduction_monthly", on)
    start = table.effective_from.isoformat()
    thresholds = [0] + [row.up_to for row in table.value[:-1]]
    brackets = [
        {"threshold": {start: {"value": t / 100}}, "rate": {start: {"value": float(row.rate)}}}
        for t, row in zip(thresholds, table.value, strict=True)
    ]
    parameters = ParameterNode(
        "",
        data={
            "iit": {
                "annual_table": {"brackets": brackets},
                "basic_deduction_monthly": {"values": {basic.effective_from.isoformat(): {"value": basic.value / 100}}},
            }
        },
    )
    person = build_entity(key="person", plural="persons", label="An employee", is_person=True)
    system = TaxBenefitSystem([person])
    system.parameters = parameters

    def money(name: str) -> type:
        return type(
            name, (Variable,), {"value_type": float, "entity": person, "definition_period": OF_MONTH, "label": name}
        )

    variables = [
        money(n)
        for n in (
            "cumulative_income",
            "cumulative_exempt_income",
            "cumulative_special_deductions",
            "cumulative_special_additional",
            "cumulative_other_deductions",
            "cumulative_reliefs",
            "cumulative_withheld",
        )
    ]
    variables.append(
        type(
            "months_employed",
            (Variable,),
            {"value_type": int, "entity": person, "definition_period": OF_MONTH, "label": "months"},
        )
    )

    class cumulative_taxable(Variable):
        value_type = float
        entity = person
        definition_period = OF_MONTH
        label = "cumulative taxable income"

        def formula(p, period, parameters):  # type: ignore[no-untyped-def]
            basic = parameters(period).iit.basic_deduction_monthly
            return max_(
                p("cumulative_income", period)
                - p("cumulative_exempt_income", period)
                - p("months_employed", period) * basic
                - p("cumulative_special_deductions", period)
                - p("cumulative_special_additional", period)
                - p("cumulative_other_deductions", period),
                0,
            )

    class withholding(Variable):
        value_type = float
        entity = person
        definition_period = OF_MONTH
        label = "tax to withhold this month"

        def formula(p, period, parameters):  # type: ignore[no-untyped-def]
            tax = parameters(period).iit.annual_table.calc(p("cumulative_taxable", period))
            return max_(tax - p("cumulative_reliefs", period) - p("cumulative_withheld", period), 0)

    for v in (*variables, cumulative_taxable, withholding):
        system.add_variable(v)
    return system


def run_openfisca(system, pop: Population, n: int, timings: list[float] | None = None) -> np.ndarray:  # type: ignore[no-untyped-def]
    from openfisca_core.simulation_builder import SimulationBuilder

    simulation = SimulationBuilder().build_default_simulation(system, n)
    for name in (
        "cumulative_income",
        "cumulative_exempt_income",
        "cumulative_special_deductions",
        "cumulative_special_additional",
        "cumulative_other_deductions",
        "cumulative_reliefs",
        "cumulative_withheld",
    ):
        simulation.set_input(name, PERIOD, getattr(pop, name)[:n] / 100)  # OpenFisca models hold yuan
    simulation.set_input("months_employed", PERIOD, pop.months_employed[:n])
    start = time.perf_counter()
    result = simulation.calculate("withholding", PERIOD)
    if timings is not None:
        timings.append(time.perf_counter() - start)
    return result


def best_of(runs: int, fn):  # type: ignore[no-untyped-def]
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def peak_of(fn) -> int:  # type: ignore[no-untyped-def]
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    of_n = int(sys.argv[2]) if len(sys.argv) > 2 else n
    try:
        import openfisca_core
    except ImportError:
        print("OpenFisca is not installed (it is not a project dependency). To run this benchmark:")
        print("  python -m venv /tmp/ofenv && /tmp/ofenv/bin/pip install openfisca-core")
        print("  PYTHONPATH=src /tmp/ofenv/bin/python bench/tax_batch.py")
        return 0

    print(f"building {n:,} employees (month {MONTH}) ...")
    pop = make_population(n)

    ours_time, ours = best_of(5, lambda: withhold_population(pop, PERIOD))
    ours_peak = peak_of(lambda: withhold_population(pop, PERIOD))

    system = openfisca_system()
    calc_times: list[float] = []
    of_time, of_result = best_of(3, lambda: run_openfisca(system, pop, of_n, calc_times))
    of_calc_scaled = min(calc_times) * n / of_n
    of_peak = peak_of(lambda: run_openfisca(system, pop, of_n))
    of_scaled = of_time * n / of_n

    ours_fen = ours.withholding[:of_n]
    of_fen = np.rint(of_result.astype(np.float64) * 100).astype(np.int64)
    diff = np.abs(of_fen - ours_fen)
    differing = int(np.count_nonzero(diff))

    print(
        f"smartgov vectorised (int64 fen): {n:,} employees in {ours_time * 1000:,.1f} ms "
        f"({n / ours_time / 1e6:,.1f} M/s), peak {ours_peak / 2**20:,.0f} MiB"
    )
    scale_note = "" if of_n == n else f" (measured on {of_n:,}, scaled ×{n / of_n:,.1f} to {n:,})"
    print(
        f"OpenFisca {openfisca_core.__version__ if hasattr(openfisca_core, '__version__') else ''}"
        f"(float32 yuan): {of_scaled * 1000:,.1f} ms{scale_note}, peak {of_peak / 2**20:,.0f} MiB"
        f" for {of_n:,}"
    )
    print(f"  of which OpenFisca's calculate() alone: {of_calc_scaled * 1000:,.1f} ms (the rest loads the inputs)")
    print(
        f"ratio: smartgov is {of_scaled / ours_time:,.1f}× faster than OpenFisca end to end (target ≥ 5×), "
        f"{of_calc_scaled / ours_time:,.1f}× against its calculate() alone"
    )
    print(
        f"results differing by more than 0 fen: {differing:,} of {of_n:,} "
        f"({differing / of_n:.2%}); largest difference {int(diff.max()) / 100:,.2f} yuan"
    )
    print(f"process peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
