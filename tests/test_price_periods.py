"""Price periods: stating a price never makes the periods of one product/province/type overlap."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from api.capture.services.price_periods import Period, overlaps, state_price

D = date(2025, 1, 1)


def p(start: int, end: int | None, price: int) -> Period:
    return Period(D + timedelta(start), None if end is None else D + timedelta(end), Decimal(price))


def price_on(periods: list[Period], day: date) -> Decimal | None:
    hits = [q.price for q in periods if q.covers(day)]
    assert len(hits) <= 1, hits
    return hits[0] if hits else None


def test_a_restated_price_with_a_later_start_changes_nothing() -> None:
    known = [p(0, None, 500)]
    assert state_price(known, p(1, None, 500)) == known
    assert state_price(known, p(400, None, 500)) == known


def test_a_changed_price_closes_the_previous_period_the_day_before() -> None:
    after = state_price([p(0, None, 500)], p(30, None, 550))
    assert after == [p(0, 29, 500), p(30, None, 550)]


def test_a_bounded_change_inside_an_open_period_resumes_the_old_price_after() -> None:
    after = state_price([p(0, None, 500)], p(10, 19, 450))
    assert after == [p(0, 9, 500), p(10, 19, 450), p(20, None, 500)]


def test_an_older_period_stops_before_a_known_later_one() -> None:
    after = state_price([p(100, None, 500)], p(0, None, 300))
    assert after == [p(0, 99, 300), p(100, None, 500)]


def test_the_same_start_restates_that_period() -> None:
    assert state_price([p(0, 50, 500), p(51, None, 520)], p(0, 80, 510)) == [p(0, 50, 510), p(51, None, 520)]


periods_st = st.builds(
    lambda start, length, price: p(start, None if length is None else start + length, price),
    st.integers(0, 60),
    st.none() | st.integers(0, 40),
    st.sampled_from([100, 200, 300]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(periods_st, min_size=1, max_size=8))
def test_any_sequence_of_statements_keeps_periods_apart(statements: list[Period]) -> None:
    known: list[Period] = []
    for new in statements:
        before = known
        known = state_price(known, new)
        assert overlaps(known) == []
        assert {q.start for q in before} <= {q.start for q in known}  # no period is lost
        # the stated price holds from its start until its end or the next known period
        nxt = min((q.start for q in before if q.start > new.start), default=None)
        last = new.end if nxt is None else min(new.end or nxt, nxt - timedelta(1))
        for offset in range(0, 120):
            day = D + timedelta(offset)
            if new.start <= day and (last is None or day <= last):
                assert price_on(known, day) == new.price, (before, new, known, day)
            else:
                restated = any(q.start == new.start for q in before)
                if not restated:  # a restated period is a correction: its old tail may go
                    assert price_on(known, day) == price_on(before, day), (before, new, known, day)
        # stating the same thing again changes nothing
        assert state_price(known, new) == known
