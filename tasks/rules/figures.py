"""The figures (DOMAIN.md "Figures"), each defined once: the dashboard, the key task pages, the ledger, the
assessment table and the annual report all compute them here.

- percent: part of a whole, in percent with one decimal; no whole, no figure (None, shown as "—"), never 0.
- 办结率 completion rate: completed assignments / assignments.
- 按期完成率 on-time rate: completed on time / (completed + still overdue). An assignment not yet due and not
  completed counts neither way, so a deadline that has not come can never lower a unit's rate or rank; an
  overdue one counts against it until it is done (then as done late).
- 加权进度 weighted progress: the weighted mean of approved progress, one decimal (0 when nothing weighs).
- ranks: ties share a rank and the next rank skips (1, 2, 2, 4), as in a league table.

Decimals throughout, rounded once at the end (Decimal's half-even), so the same counts give the same
figure on a page, in a workbook and in the Word report.
"""

from collections.abc import Callable, Iterable
from decimal import Decimal

ONE_DECIMAL = Decimal("0.1")
HUNDRED = Decimal(100)


def percent(part, whole) -> Decimal | None:
    """100 × part / whole, one decimal; None when the whole is 0 (a rate of nothing is no rate)."""
    if not whole:
        return None
    return (HUNDRED * Decimal(part) / Decimal(whole)).quantize(ONE_DECIMAL)


def percent_text(value: Decimal | None) -> str:
    """A rate as pages, e-mails and messages show it: "40.0%", or "–" for no figure."""
    return "–" if value is None else f"{value}%"


def completion_rate(*, completed: int, total: int) -> Decimal | None:
    """办结率: the share of assignments completed."""
    return percent(completed, total)


def on_time_rate(*, on_time: int, completed: int, overdue: int) -> Decimal | None:
    """按期完成率: of the assignments completed or overdue, the share completed on time."""
    return percent(on_time, completed + overdue)


def weighted_mean_of_sums(weighted_sum, weight_sum, *, rounded: bool = True) -> Decimal:
    """Σ(value × weight) / Σweight, from sums the database already made; 0 when nothing weighs."""
    weight_sum = Decimal(weight_sum or 0)
    if not weight_sum:
        return Decimal(0)
    mean = Decimal(weighted_sum or 0) / weight_sum
    return mean.quantize(ONE_DECIMAL) if rounded else mean


def weighted_mean(pairs: Iterable[tuple], *, rounded: bool = True) -> Decimal:
    """加权进度 and every other weighted mean: of (value, weight) pairs, one decimal; 0 when nothing weighs.
    `rounded=False` keeps every digit, for a figure that is computed further (the assessment score)."""
    weighted_sum, weight_sum = Decimal(0), Decimal(0)
    for value, weight in pairs:
        weight = Decimal(weight)
        weighted_sum += Decimal(value) * weight
        weight_sum += weight
    return weighted_mean_of_sums(weighted_sum, weight_sum, rounded=rounded)


def assign_ranks(ordered: list, key: Callable, *, attribute: str = "rank") -> list:
    """Set `attribute` on rows already sorted best first: equal keys share a rank, the next rank skips."""
    previous, rank = object(), 0
    for position, row in enumerate(ordered, start=1):
        row_key = key(row)
        if row_key != previous:
            rank, previous = position, row_key
        setattr(row, attribute, rank)
    return ordered
