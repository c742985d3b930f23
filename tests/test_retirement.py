"""Statutory retirement age: the month-by-month schedule of the 2024 decision, at its edges."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matchers.retirement import (
    SCHEDULES,
    add_months,
    delay_months,
    retirement_age_months,
    retirement_date,
)


def ym(y: int, m: int) -> date:
    return date(y, m, 15)


# (birth year, month, category, age in months, retirement year-month)
# Rows of the official 对照表 (国务院关于渐进式延迟法定退休年龄的办法, 附件1–3).
PUBLISHED = [
    # men: first cohort 1965-01..04 → 60y1m, retiring 2025-02..05
    (1965, 1, "male", 60 * 12 + 1, (2025, 2)),
    (1965, 4, "male", 60 * 12 + 1, (2025, 5)),
    (1965, 5, "male", 60 * 12 + 2, (2025, 7)),
    (1965, 12, "male", 60 * 12 + 3, (2026, 3)),
    (1976, 9, "male", 63 * 12, (2039, 9)),  # the cap
    # women, original age 55: first cohort 1970-01..04 → 55y1m
    (1970, 1, "female_cadre", 55 * 12 + 1, (2025, 2)),
    (1971, 4, "female_cadre", 55 * 12 + 4, (2026, 8)),
    (1981, 9, "female_cadre", 58 * 12, (2039, 9)),  # the cap
    # women, original age 50: first cohort 1975-01..02 → 50y1m, one month per 2 months
    (1975, 1, "female_worker", 50 * 12 + 1, (2025, 2)),
    (1975, 3, "female_worker", 50 * 12 + 2, (2025, 5)),
    (1984, 11, "female_worker", 55 * 12, (2039, 11)),  # the cap
]


@pytest.mark.parametrize(("year", "month", "category", "age", "retire"), PUBLISHED)
def test_published_table_values(
    year: int, month: int, category: str, age: int, retire: tuple[int, int]
) -> None:
    b = ym(year, month)
    assert retirement_age_months(b, category) == age  # type: ignore[arg-type]
    r = retirement_date(b, category)  # type: ignore[arg-type]
    assert (r.year, r.month) == retire
    assert r.day == 15


@pytest.mark.parametrize(
    ("last_unaffected", "first_affected", "category", "original"),
    [
        ((1964, 12), (1965, 1), "male", 60),
        ((1969, 12), (1970, 1), "female_cadre", 55),
        ((1974, 12), (1975, 1), "female_worker", 50),
    ],
)
def test_first_affected_cohort(
    last_unaffected: tuple[int, int], first_affected: tuple[int, int], category: str, original: int
) -> None:
    before = ym(*last_unaffected)
    assert delay_months(before, category) == 0  # type: ignore[arg-type]
    assert retirement_age_months(before, category) == original * 12  # type: ignore[arg-type]
    # The last old-rule cohort still retires before 2025.
    assert retirement_date(before, category) < date(2025, 1, 1)  # type: ignore[arg-type]
    assert delay_months(ym(*first_affected), category) == 1  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("category", "steps"),
    [
        # (birth month, expected delay): each step at the first month of a new group
        ("male", [((1965, 4), 1), ((1965, 5), 2), ((1965, 8), 2), ((1965, 9), 3), ((1966, 1), 4)]),
        ("female_cadre", [((1970, 4), 1), ((1970, 5), 2), ((1971, 1), 4)]),
        ("female_worker", [((1975, 2), 1), ((1975, 3), 2), ((1975, 4), 2), ((1976, 1), 7)]),
    ],
)
def test_month_steps(category: str, steps: list[tuple[tuple[int, int], int]]) -> None:
    for (y, m), expected in steps:
        assert delay_months(ym(y, m), category) == expected, (y, m)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("last_below", "cap_from", "category", "target"),
    [
        ((1976, 8), (1976, 9), "male", 63),
        ((1981, 8), (1981, 9), "female_cadre", 58),
        ((1984, 10), (1984, 11), "female_worker", 55),
    ],
)
def test_caps(
    last_below: tuple[int, int], cap_from: tuple[int, int], category: str, target: int
) -> None:
    assert retirement_age_months(ym(*last_below), category) == target * 12 - 1  # type: ignore[arg-type]
    assert retirement_age_months(ym(*cap_from), category) == target * 12  # type: ignore[arg-type]
    for later in (ym(cap_from[0] + 1, 1), ym(2000, 12), ym(2010, 6)):
        assert retirement_age_months(later, category) == target * 12  # type: ignore[arg-type]


def test_later_births_reach_the_targets() -> None:
    assert retirement_date(ym(1995, 12), "female_worker") == date(2050, 12, 15)
    assert retirement_date(ym(1995, 12), "male") == date(2058, 12, 15)
    assert retirement_date(ym(2000, 12), "female_cadre") == date(2058, 12, 15)


def test_day_is_clamped_to_month_end() -> None:
    # born 1965-01-31, 60y1m → February 2025 has no 31st
    assert retirement_date(date(1965, 1, 31), "male") == date(2025, 2, 28)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2023, 12, 31), 2) == date(2024, 2, 29)


def test_unknown_category() -> None:
    with pytest.raises(ValueError):
        retirement_date(date(1970, 1, 1), "female")  # type: ignore[arg-type]


births = st.dates(min_value=date(1940, 1, 1), max_value=date(2010, 12, 31))
categories = st.sampled_from(sorted(SCHEDULES))


@given(births, categories)
def test_age_bounded_by_original_and_target(b: date, category: str) -> None:
    s = SCHEDULES[category]
    age = retirement_age_months(b, category)  # type: ignore[arg-type]
    assert s.original_years * 12 <= age <= s.target_years * 12


@given(births, categories)
def test_one_more_birth_month_adds_at_most_one_month(b: date, category: str) -> None:
    a0 = retirement_age_months(b, category)  # type: ignore[arg-type]
    a1 = retirement_age_months(add_months(b, 1), category)  # type: ignore[arg-type]
    assert 0 <= a1 - a0 <= 1
    # …so a later birth never retires earlier.
    assert retirement_date(add_months(b, 1), category) >= retirement_date(b, category)  # type: ignore[arg-type]


@given(births, categories)
def test_nobody_affected_retires_before_2025(b: date, category: str) -> None:
    if delay_months(b, category) > 0:  # type: ignore[arg-type]
        assert retirement_date(b, category) >= date(2025, 2, 1)  # type: ignore[arg-type]
