"""Block Kit replies as a Slack user sees them, built from results the real engine computed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot import render
from bot.blocks import health, ids, uploads
from bot.blocks.mrkdwn import clip, escape
from bot.blocks.reply import MAX_BLOCKS_CHARS, Reply
from bot.blocks.uploads import Movement, movement_line
from bot.ingesting import ingest_one
from bot.reporting import kind_title
from metrics.engine import compute_all
from metrics.registry import HEADLINE, METRICS
from metrics.snapshots import compute_snapshot
from storage import models
from storage.db import create_db_engine, make_sessions, upgrade
from storage.demo import write_demo_data
from storage.ingest.result import IngestResult
from storage.queries import add_account, load_snapshot, local_workspace
from storage.settings import StorageSettings
from tests.metrics.scenario import Scenario

AS_OF = date(2026, 11, 24)
NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
INSTANT = datetime(2026, 11, 24, tzinfo=UTC)  # the evaluation instant of AS_OF: 00:00 UTC
Result = dict[str, Any]


@dataclass(frozen=True)
class Demo:
    results: list[Result]  # exactly what the stored snapshot holds
    exports: Path


def build_demo(directory: Path) -> Demo:
    """Demo exports ingested and computed once, on a private SQLite file.

    The builders only read the snapshot's JSON, which is the same on both databases, so one module-wide
    computation serves every test here.
    """
    engine = create_db_engine(f"sqlite:///{directory / 'demo.db'}")
    upgrade(engine)
    sessions = make_sessions(engine)
    with sessions.begin() as session:
        workspace = local_workspace(session=session, now=NOW)
        account = add_account(session=session, workspace_id=workspace.id, name="acme-us", marketplace="US", now=NOW)
    exports = directory / "exports"
    for path in sorted(write_demo_data(exports, orders=600, seed=7, as_of=AS_OF)):
        ingest_one(
            sessions=sessions,
            settings=StorageSettings(),
            account=account,
            path=path,
            uploaded_by="test",
            source="cli",
            now=NOW,
        )
    with sessions.begin() as session:
        stored = session.get(models.Account, account.id)
        assert stored is not None
        compute_snapshot(session=session, account=stored, as_of=AS_OF, computed_at=NOW)
        snapshot = load_snapshot(session=session, account_id=account.id, as_of=AS_OF)
    engine.dispose()
    assert snapshot is not None
    return Demo([row.result for row in snapshot[1]], exports)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    return build_demo(tmp_path_factory.mktemp("demo"))


def checked(reply: Reply) -> dict[str, Any]:
    """The payload, validated by slack_sdk and held to Slack's limits; fails the test otherwise."""
    payload = reply.payload()  # slack_sdk validates every block here
    assert payload["text"].strip()
    blocks = payload["blocks"]
    assert 0 < len(blocks) <= 50
    assert len(json.dumps(blocks, ensure_ascii=False)) <= MAX_BLOCKS_CHARS
    for block in blocks:
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
        if block["type"] == "section":
            assert "text" not in block or len(block["text"]["text"]) <= 3000
            assert len(block.get("fields", [])) <= 10
        if block["type"] == "actions":
            for element in block["elements"]:
                assert len(element["text"]["text"]) <= 75 and len(element.get("value", "")) <= 2000
    return payload


def texts(payload: dict[str, Any]) -> list[str]:
    """Every piece of text a reader sees, block by block."""
    out: list[str] = []
    for block in payload["blocks"]:
        if "text" in block:
            out.append(block["text"]["text"])
        out += [f["text"] for f in block.get("fields", [])]
        out += [e["text"] if isinstance(e["text"], str) else e["text"]["text"] for e in block.get("elements", [])]
    return out


def buttons(payload: dict[str, Any]) -> dict[str, list[str]]:
    """Action id -> the values of its buttons."""
    found: dict[str, list[str]] = {}
    for block in payload["blocks"]:
        for element in block.get("elements", []) if block["type"] == "actions" else []:
            # slack_sdk drops an empty value (Slack refuses one): the listener reads a missing value as "".
            found.setdefault(element["action_id"], []).append(element.get("value", ""))
    return found


def of_metric(results: list[Result], metric_id: str) -> list[Result]:
    return [r for r in results if r["id"] == metric_id]


# --- /health ------------------------------------------------------------------------------------------


def test_overview_shows_one_line_per_headline_figure_with_status_and_target(demo: Demo) -> None:
    payload = checked(health.overview("acme-us", AS_OF, demo.results, date(2026, 8, 1)))
    lines = "\n".join(texts(payload)).splitlines()
    for result in render.summary_results(demo.results):
        line = next(line for line in lines if f"{render.title(result)}:" in line)
        assert line.startswith(render.STATUS_SYMBOL[result["status"]])
        assert render.format_value(result) in line
        assert ("target " + escape(render.format_target(result))) in line or "no target" in line
    shown = {m.name for m in HEADLINE}
    assert all(any(name in line for line in lines) for name in shown)
    assert any("oldest data: 1 Aug 2026" in t for t in texts(payload))
    assert "target &lt; 1.00%" in "\n".join(lines)  # `<` of the condition is escaped for mrkdwn


def test_overview_points_at_the_worst_metric_and_offers_detail_and_share(demo: Demo) -> None:
    payload = checked(health.overview("acme-us", AS_OF, demo.results, None))
    worst = render.worst(demo.results)
    assert worst is not None
    assert any(t.startswith("*First:*") and render.title(worst) in t for t in texts(payload))
    assert buttons(payload) == {ids.DETAIL: [worst["id"]], ids.SHARE: [""]}
    assert not any("oldest data" in t for t in texts(payload))


def test_overview_fallback_text_says_the_headline(demo: Demo) -> None:
    reply = health.overview("acme-us", AS_OF, demo.results, None)
    worst = render.worst(demo.results)
    assert worst is not None
    assert reply.text.startswith("acme-us account health as of 24 Nov 2026: ")
    assert "over target" in reply.text and render.title(worst) in reply.text
    assert "*" not in reply.text


def test_overview_with_everything_on_target_says_so(demo: Demo) -> None:
    calm = [{**r, "status": "ok"} if r["status"] in ("breach", "warning") else r for r in demo.results]
    payload = checked(health.overview("acme-us", AS_OF, calm, None))
    assert "Every metric with enough data is on target." in texts(payload)
    assert buttons(payload) == {ids.SHARE: [""]}


def test_odr_detail_shows_every_figure_with_window_parts_causes_budget_and_outlook(demo: Demo) -> None:
    odr = of_metric(demo.results, "odr")
    payload = checked(health.metric_detail("acme-us", AS_OF, odr, "odr"))
    shown = "\n".join(texts(payload))
    assert payload["blocks"][0]["text"]["text"] == "Order Defect Rate"
    for result in odr:
        assert f"*{render.title(result)}*: {render.format_value(result)}" in shown
        assert f"*Window:* {result['window']['start']} to {result['window']['end']}" in shown
        sentence = render.outlook_sentence(result)
        if sentence:
            assert f"*Outlook:* {sentence}" in shown
        for cause in result["causes"]:
            assert cause["orders"][0] in shown
    for part in ("Negative Feedback Rate", "A-to-z Guarantee Claim Rate", "Chargeback Rate"):
        assert f"*{part}*\n" in shown  # one field per component
    assert "*Top causes*" in shown
    breach = next(r for r in odr if r["status"] == "breach")
    assert f"{breach['budget']['clean_orders_to_recover']:,} defect-free orders needed" in shown
    assert buttons(payload) == {ids.SHARE: ["odr"]}


def test_detail_fallback_text_gives_each_figure(demo: Demo) -> None:
    late = of_metric(demo.results, "late_shipment_rate")
    reply = health.metric_detail("acme-us", AS_OF, late, "late")
    checked(reply)
    assert reply.text.startswith("Late Shipment Rate for acme-us as of 24 Nov 2026: ")
    assert "[30 days]" in reply.text and "[10 days]" in reply.text


def test_detail_of_nothing_stored_is_a_notice(demo: Demo) -> None:
    payload = checked(health.metric_detail("acme-us", AS_OF, [], "<!channel>"))
    assert "&lt;!channel&gt;" in texts(payload)[0]


def test_report_text_is_escaped_everywhere(sessions: sessionmaker[Session], account: models.Account) -> None:
    with sessions.begin() as session:
        stored = session.get(models.Account, account.id)
        assert stored is not None
        scenario = Scenario(session, stored)
        for i in range(3):
            scenario.order(f"111-{i}", "2026-10-01T12:00:00+00:00", sku="<!channel> & co")
        scenario.feedback("111-0", "2026-10-10", 1).feedback("111-1", "2026-10-11", 2)
        scenario.message(
            "M1", "2026-11-23T20:00:00+00:00", order_id="<@U999>", subject="<!here> where is it?", assignee="<b>"
        )
        results = [r.as_json(detail=True) for r in compute_all(session=session, account=stored, as_of=AS_OF)]
    messages = of_metric(results, "contact_response")[0]["extra"]["pending_messages"]
    replies = [
        health.metric_detail("<!everyone>", AS_OF, of_metric(results, "odr"), "odr"),
        health.top_causes("<!everyone>", AS_OF, results),
        health.pending_messages("<!everyone>", NOW, messages),
        health.no_snapshot("<!everyone>"),
    ]
    for reply in replies:
        payload = checked(reply)
        everything = json.dumps(payload["blocks"]) + reply.text
        # Injected mentions are defused: no `<!…>` or `<@…>` Slack would act on, only their escaped form.
        for injected in ("<!channel>", "<!here>", "<!everyone>", "<@U999>", "<b>"):
            assert injected not in everything
    causes = json.dumps(replies[1].payload())
    assert "SKU &lt;!channel&gt; &amp; co" in causes
    listed = json.dumps(replies[2].payload())
    assert "&lt;!here&gt; where is it?" in listed and "order &lt;@U999&gt;" in listed


def test_top_causes_puts_breaches_first_and_each_metric_once(demo: Demo) -> None:
    payload = checked(health.top_causes("acme-us", AS_OF, demo.results))
    heads = [t.splitlines()[0] for t in texts(payload) if t.splitlines()[0][:1] in "✅⚠🔴⚪"]
    order = {"🔴": 0, "⚠": 1, "✅": 2, "⚪": 3}
    ranks = [order[h[0]] for h in heads]
    assert ranks == sorted(ranks) and ranks[0] == 0
    names = [h.split("*")[1].split(" (")[0].split(" [")[0] for h in heads]
    assert len(names) == len(set(names))  # ODR once, not once per channel
    with_causes = {r["name"] for r in render.summary_results(demo.results) if r["causes"]}
    assert set(names) == with_causes
    assert "e.g. " in "\n".join(texts(payload))
    assert buttons(payload) == {ids.SHARE: ["causes"]}
    assert "Top defect causes for acme-us" in health.top_causes("acme-us", AS_OF, demo.results).text


def test_top_causes_without_any_says_so(demo: Demo) -> None:
    bare = [{**r, "causes": []} for r in demo.results]
    reply = health.top_causes("acme-us", AS_OF, bare)
    checked(reply)
    assert reply.text == "No defect causes recorded for acme-us as of 24 Nov 2026."


def test_long_and_many_causes_are_cut_to_fit(demo: Demo) -> None:
    long = [
        {
            "kind": "sku",
            "label": f"SKU-{i}-" + "&" * 600,
            "count": 500 - i,
            "orders": [f"113-{j:07d}" for j in range(50)],
        }
        for i in range(300)
    ]
    results = [{**r, "causes": long} for r in demo.results]
    for reply in (
        health.metric_detail("acme-us", AS_OF, of_metric(results, "late_shipment_rate"), "late"),
        health.top_causes("acme-us", AS_OF, results),
    ):
        payload = checked(reply)
        shown = "\n".join(texts(payload))
        assert "more cause(s)" in shown
        assert "&am…" not in shown and "&…" not in shown  # an escaped `&amp;` is never cut in half


def test_pending_messages_soonest_first_with_time_left(
    sessions: sessionmaker[Session], account: models.Account
) -> None:
    with sessions.begin() as session:
        stored = session.get(models.Account, account.id)
        assert stored is not None
        scenario = Scenario(session, stored)
        scenario.message("LATE-IN", "2026-11-23T20:00:00+00:00", order_id="111-2", subject="Refund?")
        scenario.message("EARLY", "2026-11-23T02:00:00+00:00", order_id="111-1", assignee="cs-sam", subject="Where?")
        scenario.message("ANSWERED", "2026-11-23T03:00:00+00:00", replied="2026-11-23T04:00:00+00:00")
        results = [r.as_json(detail=True) for r in compute_all(session=session, account=stored, as_of=AS_OF)]
    messages = of_metric(results, "contact_response")[0]["extra"]["pending_messages"]
    reply = health.pending_messages("acme-us", NOW, messages)
    payload = checked(reply)
    lines = [line for t in texts(payload) for line in t.splitlines() if "left*" in line or "overdue" in line]
    # EARLY is due 02:00 UTC on the 24th, already past at 09:30; LATE-IN has until 20:00, 10 h 30 min away.
    assert len(lines) == 2
    assert lines[0].startswith("🔴 *overdue by 7 h 30 min*") and "order 111-1" in lines[0] and "cs-sam" in lines[0]
    assert lines[1].startswith("🟠 *10 h left*") and "Refund?" in lines[1] and "unassigned" in lines[1]
    assert "|2026-11-24 20:00 UTC>" in lines[1]  # Slack shows the reader's own time; UTC is the fallback
    assert reply.text == "acme-us: 2 buyer messages wait for a reply; the first (order 111-1) is overdue by 7 h 30 min."
    assert buttons(payload) == {ids.SHARE: ["messages"]}


def test_two_hundred_pending_messages_fit_and_the_rest_are_counted(
    sessions: sessionmaker[Session], account: models.Account
) -> None:
    with sessions.begin() as session:
        stored = session.get(models.Account, account.id)
        assert stored is not None
        scenario = Scenario(session, stored)
        for i in range(200):
            received = INSTANT - timedelta(minutes=5 * (i + 1))
            scenario.message(f"M{i:03d}", received, order_id=f"114-{i:07d}", subject="Where is my order? " * 20)
        results = [r.as_json(detail=True) for r in compute_all(session=session, account=stored, as_of=AS_OF)]
    messages = of_metric(results, "contact_response")[0]["extra"]["pending_messages"]
    assert len(messages) == 200
    reply = health.pending_messages("acme-us", INSTANT, messages)
    shown = "\n".join(texts(checked(reply)))
    assert "*200 messages* wait" in shown
    assert "…and 170 more messages" in shown
    assert shown.index("order 114-0000199") < shown.index("order 114-0000198")  # received first, due first
    assert "200 buyer messages wait" in reply.text


def test_no_pending_message_says_so() -> None:
    reply = health.pending_messages("acme-us", NOW, [])
    assert "No buyer message waits for a reply" in texts(checked(reply))[0]
    assert reply.text == "No buyer message waits for a reply on acme-us."


def test_help_lists_every_form_and_the_metric_words() -> None:
    reply = health.help_reply()
    shown = "\n".join(texts(checked(reply)))
    for form in (
        "*/health*",
        "*/health METRIC*",
        "*/health messages*",
        "*/health causes*",
        "*/health account [NAME [MARKETPLACE]]*",
        "*/health account share #channel*",
        "*/health targets [METRIC VALUE]*",
        "*/health owner METRIC @user [warnings]*",
        "*/health digest here [HH:MM] [timezone] [days]*",
        "*/health digest off*",
        "*/health help*",
    ):
        assert form in shown
    assert "`public`" in shown
    for metric in METRICS:
        assert metric.name in shown
        assert all(f"`{alias}`" in shown for alias in metric.aliases if alias != "messages")
    assert "`odr`" in shown


def test_unknown_word_suggests_and_offers_the_metrics() -> None:
    reply = health.unknown_word("<odrr>", ["odr", "order-defect-rate", "pop"])
    payload = checked(reply)
    assert texts(payload)[0] == (
        "No metric '&lt;odrr&gt;'; did you mean `odr`, `order-defect-rate`, `pop`? `/health help` lists them."
    )
    assert buttons(payload) == {ids.DETAIL: ["odr", "perfect_order_pct"]}
    assert reply.text == "No metric '&lt;odrr&gt;'; did you mean odr, order-defect-rate, pop? /health help lists them."
    assert buttons(checked(health.unknown_word("zzz", []))) == {}


def test_no_snapshot_asks_for_the_exports() -> None:
    reply = health.no_snapshot("acme-us")
    checked(reply)
    assert "All Orders" in reply.text and "upload" in reply.text


def test_notice_is_our_own_mrkdwn_in_one_section() -> None:
    payload = checked(health.notice("Digest set for *09:00* in <#C123>."))
    assert payload == {
        "text": "Digest set for *09:00* in <#C123>.",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Digest set for *09:00* in <#C123>."}}],
    }


# --- the Reply and mrkdwn --------------------------------------------------------------------------------


def test_a_reply_over_fifty_blocks_keeps_its_buttons_and_says_what_is_left_out() -> None:
    many = health.notice("x").blocks * 80 + health.overview("a", AS_OF, [], None).blocks[-1:]
    payload = checked(Reply(text="many", blocks=many))
    assert len(payload["blocks"]) == 50
    assert payload["blocks"][-1]["type"] == "actions"
    assert "…and 32 more part(s) not shown" in payload["blocks"][-2]["elements"][0]["text"]


def test_a_reply_needs_a_fallback_text() -> None:
    with pytest.raises(ValueError, match="fallback"):
        Reply(text=" ", blocks=[])


def test_escape_defuses_mentions_only() -> None:
    assert escape('<!channel> & "Tom\'s" *SKU*') == '&lt;!channel&gt; &amp; "Tom\'s" *SKU*'


def test_clip_never_cuts_an_entity_or_a_link() -> None:
    assert clip("abc &amp; def", 9) == "abc…"
    assert clip("see <https://example.com|here> now", 20) == "see…"
    assert clip("short", 10) == "short"


# --- uploads -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("movement", "line"),
    [
        (Movement("Order Defect Rate (MFN)", "0.82%", "1.05%", "ok", "breach"), "0.82% → 1.05%, now over target"),
        (Movement("Order Defect Rate (MFN)", "1.05%", "0.82%", "breach", "ok"), "1.05% → 0.82%, back on target"),
        (Movement("Order Defect Rate (MFN)", None, "1.05%", None, "ok"), "new: 1.05%, on target"),
        (Movement("Order Defect Rate (MFN)", "1.05%", "1.10%", "breach", "breach"), "1.05% → 1.10%, still over target"),
        (Movement("Late Shipment Rate", "3.10%", "3.80%", "ok", "warning"), "3.10% → 3.80%, now close to target"),
    ],
)
def test_movement_line(movement: Movement, line: str) -> None:
    assert movement_line(movement) == f"{movement.title} {line}"


def ingest(sessions: sessionmaker[Session], account: models.Account, path: Path, name: str) -> IngestResult:
    return ingest_one(
        sessions=sessions,
        settings=StorageSettings(),
        account=account,
        path=path,
        uploaded_by="U1",
        source="slack",
        now=NOW,
        display_name=name,
    )


def test_ingested_reply_gives_rows_dates_skips_and_what_moved(
    demo: Demo, sessions: sessionmaker[Session], account: models.Account
) -> None:
    result = ingest(sessions, account, demo.exports / "settlement.txt", "settlement <!channel>.txt")
    assert result.status == "ingested" and result.rows.skipped
    moved = [
        Movement("Order Defect Rate (MFN)", "0.82%", "1.05%", "ok", "breach"),
        Movement("Refund Rate", None, "1.24%", None, "ok"),
    ]
    reply = uploads.ingested(result, moved)
    shown = "\n".join(texts(checked(reply)))
    kind = kind_title(result.kind)
    assert f"✅ *settlement &lt;!channel&gt;.txt* read as *{kind}*: {result.rows.read:,} rows" in shown
    assert f"*Skipped*\n{result.rows.skipped:,}" in shown and f"*New*\n{result.rows.new:,}" in shown
    for reason, count in result.rows.skipped_reasons.items():
        assert f"• {count:,} {escape(reason)}" in shown
    assert f"*Dates:* {result.span_start} to {result.span_end}" in shown
    assert "🔴 Order Defect Rate (MFN) 0.82% → 1.05%, now over target" in shown
    assert reply.text.endswith("; 2 metrics moved.") and "<!channel>" not in reply.text
    quiet = uploads.ingested(result, [])
    assert "No metric moved." in texts(checked(quiet)) and quiet.text.endswith("no metric moved.")


def test_rejected_reply_says_why_and_what_to_upload(
    sessions: sessionmaker[Session], account: models.Account, tmp_path: Path
) -> None:
    path = tmp_path / "report.txt"
    path.write_text("this is\tnot a report\n1\t2\n")
    result = ingest(sessions, account, path, "report <b>.txt")
    assert result.status == "rejected" and result.error is not None
    reply = uploads.rejected(result)
    shown = "\n".join(texts(checked(reply)))
    assert f"🚫 *report &lt;b&gt;.txt* was not stored: {escape(result.error.problem)}." in shown
    assert "*What to upload instead:* " in shown
    assert "Nothing of this file was stored" in shown
    assert reply.text.startswith(f"report &lt;b&gt;.txt was not stored: {escape(result.error.problem)}")


def test_progress_is_one_line_that_never_claims_done_early() -> None:
    reply = uploads.progress("orders.txt", 120_000, 1_000_000, 350_000)
    assert texts(checked(reply)) == ["⏳ Reading *orders.txt*: 120,000 rows so far (35%)"]
    assert reply.text == "Reading orders.txt: 120,000 rows so far (35%)"
    assert uploads.progress("orders.txt", 5, None, None).text == "Reading orders.txt: 5 rows so far"
    assert uploads.progress("orders.txt", 5, 100, 100).text.endswith("(99%)")


def test_download_failed_and_too_large_say_nothing_was_stored() -> None:
    failed = uploads.download_failed("<!here>.txt", "Slack answered with a login page")
    assert "Could not download *&lt;!here&gt;.txt*: Slack answered with a login page." in texts(checked(failed))[0]
    large = uploads.too_large("orders.txt", 3 * 1024**3 // 2, 500 * 1024**2)
    assert "is 1.5 GB; healthbot takes files up to 500.0 MB" in texts(checked(large))[0]
    assert "Nothing was stored" in large.text
