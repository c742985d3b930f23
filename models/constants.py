"""Limits of reading, named once (README "Bounds"). The domain's vocabularies are in
`models/catalogue.py`."""

from __future__ import annotations

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

# The file kinds the batch contract lists; other names are read by content and logged.
CONTRACT_SUFFIXES = (".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff")
# What the loader reads (a superset): a file so named that matches no format is corrupt,
# not of an unsupported kind.
READABLE_SUFFIXES = frozenset({*CONTRACT_SUFFIXES, ".jpe", ".bmp", ".webp"})
