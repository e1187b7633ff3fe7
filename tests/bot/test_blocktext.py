"""Slack messages read in a terminal (`healthbot shell`, `healthbot demo`) as a Slack user would read them."""

from __future__ import annotations

from datetime import date

import pytest

from bot import render
from bot.blocks import health, uploads
from bot.blocktext import RULE, mrkdwn_to_text, to_text
from tests.bot.test_blocks import AS_OF, Demo, build_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    return build_demo(tmp_path_factory.mktemp("demo"))


def test_overview_reads_like_the_slack_message(demo: Demo) -> None:
    text = to_text(health.overview("acme & co", AS_OF, demo.results, date(2026, 8, 1)).payload())
    lines = text.splitlines()
    assert lines[:3] == ["Account health", "==============", "acme & co · as of 24 Nov 2026 · oldest data: 1 Aug 2026"]
    for result in render.summary_results(demo.results):
        assert render.summary_line(result) in lines  # word for word what `healthbot report` prints
    worst = render.worst(demo.results)
    assert worst is not None
    assert f"First: {render.hint(worst)}" in lines
    assert RULE in lines
    assert lines[-1] == f"[Details: {render.title(worst)}] [Share in channel]"
    for markup in ("&lt;", "&gt;", "&amp;", "*", '{"', "mrkdwn", "plain_text"):
        assert markup not in text


def test_fields_read_as_label_and_value(demo: Demo) -> None:
    odr = [r for r in demo.results if r["id"] == "odr"]
    text = to_text(health.metric_detail("acme-us", AS_OF, odr, "odr").payload())
    first = odr[0]["components"]["odr.negative_feedback"]
    assert f"Negative Feedback Rate: {first['numerator']:,} of {first['denominator']:,}" in text


def test_escaped_report_text_shows_as_typed() -> None:
    reply = uploads.download_failed("<!channel> & orders.txt", "timed out")
    assert to_text(reply.payload()).startswith("⚠️ Could not download <!channel> & orders.txt: timed out.")


@pytest.mark.parametrize(
    ("mrkdwn", "plain"),
    [
        ("*Budget:* 3 left", "Budget: 3 left"),
        ("see <https://sellercentral.amazon.com|Seller Central>", "see Seller Central"),
        ("<https://example.com>", "https://example.com"),
        ("owner <@U123>, alert <!here>", "owner @U123, alert @here"),
        ("due <!date^1795554222^{date_short_pretty} {time}|2026-11-24 21:03 UTC>", "due 2026-11-24 21:03 UTC"),
        ("in <#C42|ops>", "in #ops"),
        ("SKU &lt;!channel&gt; &amp; co", "SKU <!channel> & co"),
        ("literally &amp;lt;", "literally &lt;"),
        ("_…and 3 more_", "…and 3 more"),
        ("odr.negative_feedback 2*3*4", "odr.negative_feedback 2*3*4"),  # not markers: no bold, no italics
    ],
)
def test_mrkdwn_becomes_plain_text(mrkdwn: str, plain: str) -> None:
    assert mrkdwn_to_text(mrkdwn) == plain


def test_plain_text_headers_and_buttons_are_shown_as_written() -> None:
    payload = {
        "text": "x",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "Q&A *now*"}},
            {"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": "A & B"}}]},
        ],
    }
    assert to_text(payload) == "Q&A *now*\n=========\n[A & B]"


def test_a_message_without_blocks_falls_back_to_its_text() -> None:
    assert to_text({"text": "*3 buyer messages* wait &amp; <@U1> knows"}) == "3 buyer messages wait & @U1 knows"
    assert to_text({"text": "plain", "blocks": []}) == "plain"
