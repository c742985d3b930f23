"""RapidOCR engine: which plane of a colour page the networks see."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from extractors.ocr.rapid import RapidOcrEngine, _is_colour

_FONT = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"


def _certificate_corner() -> np.ndarray:
    """A white A4 page at 300 dpi whose only colour is a red seal over the date."""
    im = Image.new("RGB", (2480, 3508), "white")
    d = ImageDraw.Draw(im)
    font = ImageFont.truetype(_FONT, 90, index=2)
    d.text((1000, 2900), "第六师五家渠市总工会", font=font, fill=(20, 20, 20))
    d.text((1000, 3050), "二〇二三年二月六日", font=font, fill=(20, 20, 20))
    d.ellipse((950, 2800, 1450, 3300), outline=(228, 70, 75), width=14)
    d.regular_polygon((1200, 3050, 120), 5, fill=(228, 70, 75))
    return np.asarray(im)


def test_a_white_page_whose_only_colour_is_its_seal_is_read_through_the_red_channel():
    # The seal covers ~0.4 % of the page: below the old 1 % cut, such pages were read in
    # grey, where the seal darkens what it covers (seed 9191's clean 0049.tif lost its issuer).
    page = _certificate_corner()
    assert _is_colour(page)
    assert not _is_colour(np.dstack([page[:, :, 1]] * 3))  # a grey copy is grey
    prepared = RapidOcrEngine().prepare(page)
    assert prepared[3050, 1200].min() > 200  # the star's middle fades on the red plane
    assert prepared[2950, 1010].max() < 60  # black text stays black
    # (On seed 9191 this read 3 more fields right on 37 files and none wrong.)


def test_a_page_turned_by_quarters_is_the_same_pixels_as_numpys_rot90():
    from extractors.ocr.base import rotate_image

    rng = np.random.default_rng(2)
    pages = [
        rng.integers(0, 256, (37, 23, 3), dtype=np.uint8),  # RGB, odd sides
        rng.integers(0, 256, (19, 41), dtype=np.uint8),  # grey
        rng.random((8, 5, 4)).astype(np.float32),  # four planes of floats
        rng.integers(0, 9, (6, 4, 5), dtype=np.int16),  # five planes: numpy's own turn
    ]
    for page in pages:
        for degrees in (0, 90, 180, 270, 360, -90):
            turned = rotate_image(page, degrees)
            want = np.rot90(page, -((degrees // 90) % 4))
            assert turned.dtype == page.dtype and np.array_equal(turned, want)
            assert turned.flags.c_contiguous
