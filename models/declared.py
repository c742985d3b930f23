"""Declared data: what an applicant wrote on the program's form (declared.xlsx / CSV)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class DeclaredAward(BaseModel):
    applicant_id: str
    project: str | None = None  # 获奖项目
    award_name: str | None = None  # 奖励名称
    issuer: str | None = None  # 授予单位
    award_level: str | None = None  # 等级, normalised (国家级/省级/地市级/县级/其他)
    award_rank: str | None = None  # 名次, normalised (金奖…优秀奖) or None
    award_year: str | None = None  # 年度, YYYY
    raw: dict[str, str] = Field(default_factory=dict)
    row: int = 0  # 1-based spreadsheet row, for messages


class Applicant(BaseModel):
    """One application (one row of sheet 申报人), values normalised, raw text kept."""

    applicant_id: str
    program: str | None = None
    name: str | None = None
    gender: str | None = None
    ethnicity: str | None = None
    id_number: str | None = None
    birth_date: str | None = None  # YYYY-MM-DD or YYYY-MM when the form gives a month
    work_unit: str | None = None
    prefecture: str | None = None
    occupation: str | None = None
    skill_level: str | None = None
    title: str | None = None
    title_level: str | None = None
    education: str | None = None
    work_start: str | None = None
    team_size: int | None = None
    awards: list[DeclaredAward] = Field(default_factory=list)
    raw: dict[str, str] = Field(default_factory=dict)
    row: int = 0
    problems: list[str] = Field(default_factory=list)  # Chinese messages about bad cells


class DeclaredBatch(BaseModel):
    applicants: list[Applicant] = Field(default_factory=list)
    problems: list[str] = Field(default_factory=list)  # rows that could not become applicants
    source: str = ""
