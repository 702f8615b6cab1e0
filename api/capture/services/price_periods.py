"""Price periods of one (product, province, price type): stating a price never makes periods overlap.

A catalog row says "from ``start`` to ``end`` (inclusive; open when None) the price is P". Loading it
into the periods already known follows what a price office means by it:

- the same ``start`` as a known period: that period is restated (a correction of it);
- inside a known period at the **same** price: nothing new (a re-export with a later ``valid_from``),
  except that a longer stated end extends the period;
- inside a known period at **another** price: the known period closes the day before, the new one
  begins; if the known period went on past the new end, it resumes the day after;
- a period never runs into the next known one: its end is clipped to the day before that one starts.

Pure functions over plain values, so the rules are tested without a database.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Period:
    start: date
    end: date | None  # inclusive; None = still valid
    price: Decimal

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


def _later_end(a: date | None, b: date | None) -> date | None:
    return None if a is None or b is None else max(a, b)


def clip(periods: list[Period]) -> list[Period]:
    """Sorted by start, each ending at the latest the day before the next one starts."""
    ordered = sorted(periods, key=lambda p: p.start)
    out: list[Period] = []
    for here, following in zip(ordered, [*ordered[1:], None], strict=True):
        if following is not None and (here.end is None or here.end >= following.start):
            here = replace(here, end=following.start - ONE_DAY)
        out.append(here)
    return out


def state_price(periods: list[Period], new: Period) -> list[Period]:
    """The periods after ``new`` is stated; input periods are assumed not to overlap."""
    if new.end is not None and new.end < new.start:
        raise ValueError(f"valid_to {new.end} is before valid_from {new.start}")
    known = list(periods)
    same_start = next((p for p in known if p.start == new.start), None)
    if same_start is not None:
        known[known.index(same_start)] = new
        return clip(known)
    covering = next((p for p in known if p.covers(new.start)), None)
    if covering is None:
        return clip([*known, new])
    known.remove(covering)
    if covering.price == new.price:
        return clip([*known, replace(covering, end=_later_end(covering.end, new.end))])
    known.append(replace(covering, end=new.start - ONE_DAY))
    if new.end is not None and (covering.end is None or covering.end > new.end):
        known.append(replace(covering, start=new.end + ONE_DAY))
    return clip([*known, new])


def overlaps(periods: list[Period]) -> list[tuple[Period, Period]]:
    """Pairs of periods that share a day (empty when the invariant holds)."""
    ordered = sorted(periods, key=lambda p: p.start)
    return [(a, b) for a, b in itertools.pairwise(ordered) if a.end is None or a.end >= b.start]
