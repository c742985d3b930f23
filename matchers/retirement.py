"""Statutory retirement age under the gradual raise in force from 2025-01-01.

Source: 全国人民代表大会常务委员会关于实施渐进式延迟法定退休年龄的决定 (2024-09-13) and the
attached 国务院关于渐进式延迟法定退休年龄的办法 with its three 对照表. From 2025-01-01:
- men (60): one month later for every 4 months of birth, up to 63;
- women whose original age was 55 (cadre posts): one month per 4 months, up to 58;
- women whose original age was 50 (worker posts): one month per 2 months, up to 55.

The first affected cohort is the one that would have reached the old age in 2025-01 or later,
i.e. born 1965-01 (men), 1970-01 (women 55), 1975-01 (women 50). Each step covers `step`
birth months starting from that January, so the delay in months is
`months_since_first_cohort // step + 1`, capped at the target. Values from the official
tables that this reproduces (see tests): man born 1965-01 → 60y1m, retires 2025-02; born
1965-05 → 60y2m; born 1976-09 or later → 63y; woman (55) born 1981-09 or later → 58y;
woman (50) born 1975-01 → 50y1m, retires 2025-02; born 1984-11 or later → 55y.

The tables work in months. The date returned here is the day the age is reached (the
birthday in the retirement month; a 29/30/31 that month lacks is clamped to its last day).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from typing import Literal

__all__ = [
    "RetirementCategory",
    "Schedule",
    "SCHEDULES",
    "add_months",
    "delay_months",
    "retirement_age_months",
    "retirement_date",
]

RetirementCategory = Literal["male", "female_cadre", "female_worker"]


@dataclass(frozen=True)
class Schedule:
    """One row of the decision: original age, first affected birth month, pace, target."""

    original_years: int
    first_cohort: tuple[int, int]  # (year, month) of the first birth month with a delay
    step_months: int  # birth months per month of delay
    target_years: int
    label: str  # Chinese name used in messages

    @property
    def max_delay_months(self) -> int:
        return (self.target_years - self.original_years) * 12


SCHEDULES: dict[str, Schedule] = {
    "male": Schedule(60, (1965, 1), 4, 63, "男职工"),
    "female_cadre": Schedule(55, (1970, 1), 4, 58, "原法定退休年龄55周岁女职工"),
    "female_worker": Schedule(50, (1975, 1), 2, 55, "原法定退休年龄50周岁女职工"),
}


def add_months(d: date, months: int) -> date:
    """d plus whole months; a day the target month lacks becomes its last day."""
    y, m = divmod(d.year * 12 + (d.month - 1) + months, 12)
    m += 1
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def _schedule(category: str) -> Schedule:
    try:
        return SCHEDULES[category]
    except KeyError:
        raise ValueError(f"unknown retirement category: {category!r}") from None


def delay_months(birth: date, category: RetirementCategory) -> int:
    """Months added to the original age for someone born in `birth`'s month."""
    s = _schedule(category)
    y0, m0 = s.first_cohort
    since = (birth.year * 12 + birth.month) - (y0 * 12 + m0)
    if since < 0:
        return 0
    return min(since // s.step_months + 1, s.max_delay_months)


def retirement_age_months(birth: date, category: RetirementCategory) -> int:
    """Statutory retirement age in months (e.g. 721 = 60 years 1 month)."""
    return _schedule(category).original_years * 12 + delay_months(birth, category)


def retirement_date(birth: date, category: RetirementCategory) -> date:
    """Day the statutory retirement age is reached."""
    return add_months(birth, retirement_age_months(birth, category))
