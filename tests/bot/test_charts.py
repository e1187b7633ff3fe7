"""The 90-day trend chart: real PNG bytes of the promised size, and its description in words."""

from __future__ import annotations

import io
import math
from datetime import date, timedelta

import pytest
from PIL import Image

from bot.charts import chart_alt_text, trend_png

START = date(2026, 8, 26)


def days(values: list[float | None]) -> list[tuple[date, float | None]]:
    return [(START + timedelta(days=i), value) for i, value in enumerate(values)]


def wave(count: int = 90, centre: float = 0.01, swing: float = 0.006) -> list[tuple[date, float | None]]:
    """A rate crossing its target back and forth, as an ODR near 1% does."""
    return days([centre + swing * math.sin(i / 9) for i in range(count)])


def image(png: bytes) -> Image.Image:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    picture = Image.open(io.BytesIO(png))
    picture.load()
    return picture


def tinted(picture: Image.Image, top: bool) -> int:
    """Pixels of the light red shading in the top or bottom half of the chart."""
    rgb = picture.convert("RGB")
    width, height = rgb.size
    rows = range(0, height // 2) if top else range(height // 2, height)
    count = 0
    for y in rows:
        for x in range(0, width, 4):
            r, g, b = rgb.getpixel((x, y))  # type: ignore[misc]
            if r > 230 and r - g > 8 and abs(g - b) < 6:
                count += 1
    return count


def test_chart_is_a_png_of_800_by_400() -> None:
    picture = image(trend_png("Order Defect Rate (MFN)", wave(), target=0.01, lower_is_better=True, percent=True))
    assert picture.format == "PNG" and picture.size == (800, 400)


def test_the_side_that_misses_the_target_is_shaded() -> None:
    # The wave is centred on the target, so the target line sits mid-height.
    lower = image(trend_png("ODR", wave(), target=0.01, lower_is_better=True, percent=True))
    higher = image(trend_png("VTR", wave(), target=0.01, lower_is_better=False, percent=True))
    assert tinted(lower, top=True) > 10 * max(tinted(lower, top=False), 1)
    assert tinted(higher, top=False) > 10 * max(tinted(higher, top=True), 1)


def test_gaps_and_lone_days_do_not_break_the_chart() -> None:
    values: list[float | None] = [0.02, None, None, 0.03, None, 0.01, 0.01, None]
    picture = image(
        trend_png("Late Shipment Rate [30 days]", days(values), target=0.04, lower_is_better=True, percent=True)
    )
    assert picture.size == (800, 400)
    image(trend_png("One day", days([0.02]), target=0.04, lower_is_better=True, percent=True))
    # Unsorted input is drawn in date order all the same.
    image(trend_png("Late", list(reversed(days(values))), target=None, lower_is_better=True, percent=False))


def test_counts_without_a_target_are_drawn_as_plain_numbers() -> None:
    points = days([220.0, 215.0, None, 230.0])
    assert image(trend_png("Account Health Rating", points, target=None, lower_is_better=False, percent=False))
    assert chart_alt_text("Account Health Rating", points, None, False, lower_is_better=False) == (
        "Account Health Rating, daily values from 26 Aug to 29 Aug 2026: 220 on 26 Aug, 230 on 29 Aug (up). "
        "Lowest 215 on 27 Aug, highest 230 on 29 Aug. No data on 1 day."
    )


@pytest.mark.parametrize("points", [days([None] * 90), []], ids=["all days without data", "no days"])
def test_a_chart_without_any_data_still_draws_and_says_so(points: list[tuple[date, float | None]]) -> None:
    # Chosen over raising: the scheduler posts what it gets, and the chart itself says "No data".
    picture = image(trend_png("Policy Violations", points, target=0, lower_is_better=True, percent=False))
    assert picture.size == (800, 400)
    assert tinted(picture, top=True) + tinted(picture, top=False) == 0  # nothing judged, nothing shaded
    alt = chart_alt_text("Policy Violations", points, 0, False, lower_is_better=True)
    assert "no data on any day" in alt or "without data" in alt


def test_alt_text_gives_first_last_low_high_and_days_over_target() -> None:
    values: list[float | None] = [0.005, 0.012, 0.02, None, 0.01, 0.008]
    alt = chart_alt_text("Order Defect Rate (MFN)", days(values), 0.01, True, lower_is_better=True)
    assert alt == (
        "Order Defect Rate (MFN), daily values from 26 Aug to 31 Aug 2026: 0.50% on 26 Aug, 0.80% on 31 Aug (up). "
        "Lowest 0.50% on 26 Aug, highest 2.00% on 28 Aug. "
        # 1.00% sits on the line, which the chart does not count as over it.
        "Target 1.00% (dashed line); over target (above it) on 2 of 5 days with data. No data on 1 day."
    )


def test_alt_text_counts_days_below_target_for_higher_is_better() -> None:
    values: list[float | None] = [0.96, 0.94, 0.93, 0.95, 0.97]
    alt = chart_alt_text("Valid Tracking Rate", days(values), 0.95, True, lower_is_better=False)
    assert "over target (below it) on 2 of 5 days with data." in alt
    assert "96.00% on 26 Aug, 97.00% on 30 Aug (up)" in alt
    assert "No data" not in alt


def test_alt_text_without_a_direction_counts_both_sides_without_judging() -> None:
    values: list[float | None] = [0.96, 0.94, 0.93, 0.95, 0.97]
    alt = chart_alt_text("Valid Tracking Rate", days(values), 0.95, True)
    assert "Target 95.00% (dashed line); above it on 2 and below it on 2 of 5 days with data." in alt
    assert "over target" not in alt


def test_alt_text_names_both_years_across_new_year() -> None:
    points: list[tuple[date, float | None]] = [(date(2025, 12, 30), 0.01), (date(2026, 1, 2), 0.02)]
    alt = chart_alt_text("ODR", points, None, True, lower_is_better=True)
    assert alt.startswith("ODR, daily values from 30 Dec 2025 to 2 Jan 2026: ")


def test_alt_text_stays_short() -> None:
    alt = chart_alt_text("x" * 3000, wave(), 0.01, True, lower_is_better=True)
    assert len(alt) <= 1000 and alt.endswith("…")
