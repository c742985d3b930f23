"""Vocabularies and limits from ../shared/spec/batch-contract.md and rules.md, named once."""

from __future__ import annotations

# Normalised vocabularies (contract: "Normalised values").
SKILL_LEVELS = ("初级工", "中级工", "高级工", "技师", "高级技师", "特级技师", "首席技师")
# 五级..一级 map onto the first five.
SKILL_GRADE_TO_LEVEL = {5: "初级工", 4: "中级工", 3: "高级工", 2: "技师", 1: "高级技师"}
SKILL_LEVEL_TO_GRADE = {v: k for k, v in SKILL_GRADE_TO_LEVEL.items()}
TITLE_LEVELS = ("初级", "中级", "副高级", "正高级")
EDUCATION_LEVELS = ("中专", "高中", "大专", "本科", "硕士研究生", "博士研究生")
# 中专 = 高中 in the rules' order.
EDUCATION_RANK = {"中专": 0, "高中": 0, "大专": 1, "本科": 2, "硕士研究生": 3, "博士研究生": 4}
AWARD_LEVELS = ("国家级", "省级", "地市级", "县级", "其他")
AWARD_RANKS = ("金奖", "银奖", "铜奖", "一等奖", "二等奖", "三等奖", "优秀奖")

FIELD_KEYS = (
    "name", "gender", "ethnicity", "id_number", "birth_date", "skill_level", "occupation",
    "cert_no", "issue_date", "issuer", "award_name", "award_level", "award_rank",
    "award_year", "title", "title_level", "education", "school",
)  # fmt: skip

# Fields worth a second OCR opinion: structure can be validated.
SECOND_OPINION_FIELDS = ("id_number", "cert_no", "issue_date", "birth_date")

# Reading limits (README "Bounds").
RENDER_DPI = 300
MAX_PAGES_PER_FILE = 50
MAX_PAGES_PER_APPLICANT = 200
MAX_RENDER_PIXELS = 60_000_000  # ~A2 at 300 dpi; larger pages are rendered at lower dpi
MAX_IMAGE_PIXELS = 89_478_485  # Pillow's own default, set explicitly
MAX_FILE_BYTES = 200 * 1024 * 1024
LOADER_TIMEOUT_S = 60.0
LOADER_MEMORY_BYTES = 3 * 1024**3
OCR_PAGE_TIMEOUT_S = 120.0
TESSERACT_CROP_TIMEOUT_S = 5.0

SUPPORTED_SUFFIXES = (".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff")
