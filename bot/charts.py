"""The digest's 90-day trend chart as PNG bytes, and the same chart in words for screen readers.

Drawn with `matplotlib.figure.Figure` on an Agg canvas, never through pyplot: pyplot keeps a global list of
open figures and picks a backend for the whole process, neither of which a job in a server process wants.

Points with no value (no data that day) leave a gap in the line. A series without any value is drawn as an
empty chart saying "No data", not refused: the caller posts whatever it gets, and the reader sees why.
"""

from __future__ import annotations

import io
import math
from datetime import date

from matplotlib import dates as mdates
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from bot.render import short_date

__all__ = ["chart_alt_text", "trend_png"]

Point = tuple[date, float | None]

WIDTH_IN, HEIGHT_IN, DPI = 8.0, 4.0, 100  # 800 x 400 pixels: legible in a Slack preview without zooming
LINE = "#1f5a99"
TARGET = "#444444"
WRONG_SIDE = "#d62728"
WRONG_ALPHA = 0.08  # a hint of red behind the line, not a block of colour competing with it
MIN_DAYS = 7
TITLE_MAX = 90
ALT_MAX = 1000  # Slack accepts 2000 characters of alt text; a screen reader user wants far fewer


def _value(value: float, percent: bool) -> str:
    if percent:
        return f"{value * 100:.2f}%"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _over(value: float, target: float, lower_is_better: bool) -> bool:
    """On the wrong side of the target line; on the line counts as on target.

    Only the side of a line is known here, not the metric's rule: a strict `<` rate sitting exactly on its
    target is vanishingly rare, while a count held at its target (0 policy violations) is the normal case.
    """
    return value > target if lower_is_better else value < target


def _limits(values: list[float], target: float | None, percent: bool) -> tuple[float, float]:
    """The y range: every value and the target, with a margin, never below 0 for rates and counts ≥ 0."""
    shown = values + ([target] if target is not None else [])
    low, high = min(shown), max(shown)
    margin = (high - low) * 0.15 or (abs(high) * 0.1 or (0.01 if percent else 1.0))
    bottom, top = low - margin, high + margin
    if low >= 0 and bottom < 0:
        bottom = 0.0
    return bottom, top


def trend_png(
    title: str,
    points: list[Point],
    *,
    target: float | None,
    lower_is_better: bool,
    percent: bool,
) -> bytes:
    """A line chart of daily values (about 90 of them) as PNG bytes, 800 x 400 pixels.

    Args:
        title: the metric's title, drawn above the chart (plain text).
        points: (day, value) in any order; None is a day without data, shown as a gap.
        target: drawn as a dashed line; the side of it that misses the target is shaded lightly.
        lower_is_better: which side misses: above the target when True (`<` and `=` metrics), below otherwise.
        percent: values are fractions (0.0123) shown as percentages on the y axis.
    """
    ordered = sorted(points, key=lambda p: p[0])
    known = [v for _, v in ordered if v is not None]
    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)  # attaches itself to the figure: savefig renders with Agg, whatever the default backend
    axes = figure.add_subplot()
    axes.set_title(title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1] + "…", fontsize=13, loc="left")
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.grid(axis="y", color="#e0e0e0", linewidth=0.8)
    axes.set_axisbelow(True)

    if ordered:
        # matplotlib.dates ships without type annotations: hence the ignores on its three calls.
        days = [float(mdates.date2num(day)) for day, _ in ordered]  # type: ignore[no-untyped-call]
        # NaN breaks the line, which is the gap a day without data should be.
        values = [math.nan if v is None else v for _, v in ordered]
        # A week at least: over a day or two the date locator can only offer hours, and warns.
        axes.set_xlim(min(days[0], days[-1] - MIN_DAYS) - 0.5, days[-1] + 0.5)
        if known:
            # Markers keep a lone day between two gaps visible; a line needs two neighbours to show.
            axes.plot(days, values, color=LINE, linewidth=2, marker="o", markersize=2.5, label="daily value")
        locator = mdates.AutoDateLocator(minticks=3, maxticks=8)  # type: ignore[no-untyped-call]
        axes.xaxis.set_major_locator(locator)
        axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]

    if known:
        bottom, top = _limits(known, target, percent)
    elif target is not None:
        bottom, top = _limits([target], None, percent)
    else:
        bottom, top = 0.0, 1.0
    axes.set_ylim(bottom, top)
    if target is not None:
        axes.axhline(target, color=TARGET, linestyle="--", linewidth=1.3, label=f"target {_value(target, percent)}")
    if target is not None and known:
        # Without data nothing is judged: a chart shaded all over as "wrong" would say something false.
        wrong = (target, top) if lower_is_better else (bottom, target)
        axes.axhspan(*wrong, color=WRONG_SIDE, alpha=WRONG_ALPHA, linewidth=0)
    if percent:
        axes.yaxis.set_major_formatter(PercentFormatter(xmax=1.0))
    if not known:
        axes.text(0.5, 0.5, "No data in this period", transform=axes.transAxes, ha="center", va="center", fontsize=16)
    if known or target is not None:
        # Above the plot, beside the title: inside it, the legend would hide the very days it sits on.
        axes.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2, frameon=False, fontsize=9)
    axes.tick_params(labelsize=10)

    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


def chart_alt_text(
    title: str,
    points: list[Point],
    target: float | None,
    percent: bool,
    *,
    lower_is_better: bool | None = None,
) -> str:
    """The chart in words: span, first and last values, low and high, and days over target.

    `lower_is_better` says which side of the target is "over" it, as for `trend_png`. Left out, the text
    counts days above and below the target without judging them: guessing a side would call a valid-tracking
    rate above its 95% a breach.
    """
    ordered = sorted(points, key=lambda p: p[0])
    if not ordered:
        return f"{title}: chart without data."
    first_shown, last_shown = ordered[0][0], ordered[-1][0]
    start = short_date(first_shown) + (f" {first_shown.year}" if first_shown.year != last_shown.year else "")
    span = f"{start} to {short_date(last_shown)} {last_shown.year}"
    known = [(day, v) for day, v in ordered if v is not None]
    head = f"{title}, daily values from {span}"
    if not known:
        return f"{head}: no data on any day."
    (first_day, first), (last_day, last) = known[0], known[-1]
    low_day, low = min(known, key=lambda p: p[1])
    high_day, high = max(known, key=lambda p: p[1])
    direction = "up" if last > first else "down" if last < first else "unchanged"
    words = [
        f"{head}: {_value(first, percent)} on {short_date(first_day)}, "
        f"{_value(last, percent)} on {short_date(last_day)} ({direction}).",
        f"Lowest {_value(low, percent)} on {short_date(low_day)}, highest {_value(high, percent)} "
        f"on {short_date(high_day)}.",
    ]
    if target is not None and lower_is_better is not None:
        over = sum(1 for _, v in known if _over(v, target, lower_is_better))
        side = "above" if lower_is_better else "below"
        words.append(
            f"Target {_value(target, percent)} (dashed line); over target ({side} it) on {over} of "
            f"{len(known)} days with data."
        )
    elif target is not None:
        above = sum(1 for _, v in known if v > target)
        below = sum(1 for _, v in known if v < target)
        words.append(
            f"Target {_value(target, percent)} (dashed line); above it on {above} and below it on {below} of "
            f"{len(known)} days with data."
        )
    missing = len(ordered) - len(known)
    if missing:
        words.append(f"No data on {missing} day{'' if missing == 1 else 's'}.")
    text = " ".join(words)
    return text if len(text) <= ALT_MAX else text[: ALT_MAX - 1] + "…"
