"""The morning digest and the stale-export DM, built from results the real engine computed."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from bot import render
from bot.blocks import ids
from bot.blocks.digest import ShipToday, digest, stale_notice, trend
from bot.blocks.figures import cause_line
from bot.blocks.reply import Reply
from storage.ingest.formats import ACCOUNT_HEALTH_KIND, KINDS
from tests.bot.test_blocks import AS_OF, Demo, build_demo, checked, texts

NOW = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)  # 08:00 in Berlin, when the digest goes out
ZONE = "Europe/Berlin"
Result = dict[str, Any]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    return build_demo(tmp_path_factory.mktemp("digest-demo"))


def summary(results: list[Result], metric_id: str) -> Result:
    return next(r for r in render.summary_results(results) if r["id"] == metric_id)


def moved(results: list[Result], changes: dict[str, float]) -> list[Result]:
    """The results as they might have stood a week earlier: each metric's values moved by `changes[id]`."""
    out = []
    for result in results:
        change = changes.get(result["id"])
        if change is not None and result.get("value") is not None:
            result = {**result, "value": result["value"] + change}
        out.append(result)
    return out


def message(number: int, hours_left: float, subject: str = "Where is my parcel?", order: str | None = None) -> Result:
    deadline = NOW + timedelta(hours=hours_left)
    return {
        "message_id": f"M{number}",
        "order_id": order if order is not None else f"111-{number:07d}-0000001",
        "received_at": (deadline - timedelta(hours=24)).isoformat(),
        "deadline": deadline.isoformat(),
        "hours_left": hours_left,
        "assignee": None,
        "subject": subject,
    }


def order(number: int, hours_left: float, sku: str = "HB-BOARD-05") -> ShipToday:
    return ShipToday(order_id=f"112-{number:07d}-0000002", sku=sku, ship_by=NOW + timedelta(hours=hours_left))


FRESHNESS = {"all_orders": date(2026, 11, 20), "feedback": date(2026, 11, 23), ACCOUNT_HEALTH_KIND: date(2026, 11, 22)}
STALE = {"all_orders": 4}


def build(demo: Demo, **given: Any) -> Reply:
    """The digest of the demo account, anything in `given` replacing the defaults."""
    arguments: dict[str, Any] = {
        "account": "acme-us",
        "as_of": AS_OF,
        "results": demo.results,
        "week_ago": moved(demo.results, {"late_shipment_rate": -0.01, "valid_tracking_rate": 0.02}),
        "pending": [message(1, 3.5), message(2, 20)],
        "ship_today": [order(1, 9), order(2, 5)],
        "freshness": FRESHNESS,
        "stale": STALE,
        "now": NOW,
        "timezone": ZONE,
    }
    return digest(**{**arguments, **given})


def line_of(payload: dict[str, Any], result: Result) -> str:
    return next(
        line
        for text in texts(payload)
        for line in text.splitlines()
        if line.split("*: ")[0].endswith(f"*{render.title(result)}")
    )


# --- the digest as a whole -------------------------------------------------------------------------


def test_digest_is_valid_and_says_what_it_covers(demo: Demo) -> None:
    payload = checked(build(demo))
    assert payload["blocks"][0]["type"] == "header" and payload["blocks"][0]["text"]["text"] == "Morning digest"
    head = texts(payload)[1]
    assert "*acme-us*" in head and "24 Nov 2026" in head and "arrows against 17 Nov 2026" in head
    shown = "\n".join(texts(payload))
    for result in render.summary_results(demo.results):
        line = line_of(payload, result)
        assert line.startswith(render.STATUS_SYMBOL[result["status"]])
        assert render.format_value(result) in line
        if result["status"] in ("breach", "warning") and render.x_of_y(result):
            assert f"({render.x_of_y(result)})" in line
    ok = next(r for r in render.summary_results(demo.results) if r["status"] == "ok" and render.x_of_y(r))
    assert render.x_of_y(ok) not in line_of(payload, ok)  # counts only where they explain a problem
    assert "*Buyer messages due within 24 hours: 2*" in shown
    assert "*Orders that must ship today: 2*" in shown
    assert "*Data freshness*" in shown


def test_fallback_text_gives_the_headline(demo: Demo) -> None:
    reply = build(demo)
    assert reply.text.startswith(
        "Morning digest for acme-us (24 Nov 2026): 5 metrics over target, 1 metric close to target, "
        "2 buyer messages due, 2 orders to ship today, All Orders report 4 days old."
    )
    worst = render.worst(demo.results)
    assert worst is not None and f"First: {render.title(worst)}" in reply.text
    assert "*" not in reply.text


def test_digest_ends_with_the_worst_metric_and_its_details_button(demo: Demo) -> None:
    payload = checked(build(demo))
    worst = render.worst(demo.results)
    assert worst is not None
    assert any(t.startswith("*First:*") and render.title(worst) in t for t in texts(payload))
    last = payload["blocks"][-1]
    assert last["type"] == "actions"
    assert [(e["action_id"], e["value"]) for e in last["elements"]] == [(ids.DETAIL, worst["id"])]


def test_a_hundred_messages_and_orders_still_fit(demo: Demo) -> None:
    pending = [message(i, 23.9 - i * 0.2, subject="<!channel> " + "very long subject " * 20) for i in range(100)]
    ship = [order(i, 10 - i * 0.05, sku="SKU-" + "x" * 300) for i in range(100)]
    reply = build(demo, pending=pending, ship_today=ship, freshness=dict.fromkeys(KINDS, AS_OF))
    payload = checked(reply)
    assert len(payload["blocks"]) <= 50
    shown = "\n".join(texts(payload))
    assert "*Buyer messages due within 24 hours: 100*" in shown and "…and 95 more messages" in shown
    assert "*Orders that must ship today: 100*" in shown and "…and 95 more orders" in shown
    assert "not shown" not in shown  # the digest shortens its own lists; Reply never had to drop a block
    # Soonest first, whatever order they came in.
    lines = [line for line in shown.splitlines() if "order 111-" in line]
    assert "order 111-0000099-0000001" in lines[0] and len(lines) == 5
    assert "100 buyer messages due, 100 orders to ship today" in reply.text


def test_messages_and_orders_show_time_left_and_local_times(demo: Demo) -> None:
    pending = [message(1, 3.5), message(2, -0.25), message(3, 20)]
    payload = checked(build(demo, pending=pending, ship_today=[order(7, 9)]))
    lines = "\n".join(texts(payload)).splitlines()
    messages = [line for line in lines if "order 111-" in line]
    assert messages[0].startswith("🔴 *overdue by 15 min* · due 07:45 CET · order 111-0000002-0000001")
    assert messages[1].startswith("🔴 *3 h 30 min left* · due 11:30 CET")
    # 03:00 UTC tomorrow is 04:00 in Berlin on the next day: the date is given.
    assert messages[2].startswith("🟢 *20 h left* · due 25 Nov 04:00 CET")
    ship = next(line for line in lines if "order 112-" in line)
    assert ship == "🟠 *9 h 00 min left* · ship by 17:00 CET · order 112-0000007-0000002 · SKU HB-BOARD-05"


def test_nothing_due_says_so(demo: Demo) -> None:
    reply = build(demo, pending=[], ship_today=[])
    shown = texts(checked(reply))
    assert "✅ No buyer message is due within 24 hours." in shown
    assert "✅ No order must ship today." in shown
    assert "no buyer message due" in reply.text and "to ship today" not in reply.text


# --- trend arrows ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("metric", "change", "expected"),
    [
        # Late shipments (`<`): the rate was lower a week ago, so it rose, which is worse.
        ("late_shipment_rate", -0.01, "↑ worse, from "),
        ("late_shipment_rate", +0.01, "↓ better, from "),
        # Valid tracking (`>=`): higher is better.
        ("valid_tracking_rate", -0.02, "↑ better, from "),
        ("valid_tracking_rate", +0.02, "↓ worse, from "),
        # Policy violations (`=` 0): fewer is better.
        ("policy_violations", -1, "↑ worse, from 1"),
        ("late_shipment_rate", 0.0, "→ same as 7 days earlier"),
        # A move below the shown precision is no move to the reader.
        ("late_shipment_rate", 0.000001, "→ same as 7 days earlier"),
    ],
)
def test_trend_arrows_follow_the_metric_condition(demo: Demo, metric: str, change: float, expected: str) -> None:
    week_ago = moved(demo.results, {metric: change})
    result = summary(demo.results, metric)
    before = {**result, "value": result["value"] + change}
    line = line_of(checked(build(demo, week_ago=week_ago)), result)
    assert line.endswith(expected + (render.format_value(before) if expected.endswith("from ") else ""))
    assert trend(result, summary(week_ago, metric)).startswith(expected)


def test_trend_without_an_earlier_figure_is_flat(demo: Demo) -> None:
    result = summary(demo.results, "odr")
    assert trend(result, None) == "→ no figure 7 days earlier"
    assert trend(result, {**result, "value": None}) == "→ no figure 7 days earlier"
    assert trend({**result, "value": None}, result) == "→ no figure 7 days earlier"
    # Only the late-shipment figure is missing a week ago: its line says so, the others compare.
    week_ago = [r for r in demo.results if r["id"] != "late_shipment_rate"]
    payload = checked(build(demo, week_ago=week_ago))
    assert line_of(payload, summary(demo.results, "late_shipment_rate")).endswith("→ no figure 7 days earlier")
    assert line_of(payload, summary(demo.results, "odr")).endswith("→ same as 7 days earlier")


def test_without_any_earlier_snapshot_the_context_says_so_once(demo: Demo) -> None:
    payload = checked(build(demo, week_ago=[]))
    assert "no figures from 7 days earlier to compare" in texts(payload)[1]
    for result in render.summary_results(demo.results):
        assert line_of(payload, result).endswith(" · →")


# --- causes, freshness -----------------------------------------------------------------------------


def test_top_three_causes_put_metrics_over_target_first(demo: Demo) -> None:
    payload = checked(build(demo))
    block = next(t for t in texts(payload) if t.startswith("*Top defect causes*"))
    lines = block.splitlines()[1:]
    assert len(lines) == 3
    urgent = {render.title(r) for r in render.summary_results(demo.results) if r["status"] in ("breach", "warning")}
    for line in lines:
        assert line.startswith("• _") and line.split("_")[1] in urgent
        assert ": *" in line and ", e.g. " in line
    # One cause per metric first: Perfect Order's causes alone would otherwise fill the list.
    assert len({line.split("_")[1] for line in lines}) == 3
    counts = [int(line.split(": *")[1].split("*")[0].replace(",", "")) for line in lines]
    assert counts == sorted(counts, reverse=True)


def test_a_metric_fills_the_causes_when_it_is_the_only_one_with_any(demo: Demo) -> None:
    only = [r if r["id"] == "late_shipment_rate" else {**r, "causes": []} for r in demo.results]
    block = next(t for t in texts(checked(build(demo, results=only))) if t.startswith("*Top defect causes*"))
    late = summary(demo.results, "late_shipment_rate")
    # Its own first cause leads (the metric's order), then the largest of the rest.
    first, *rest = late["causes"]
    expected = [first, *sorted(rest, key=lambda c: -c["count"])[:2]]
    assert block.splitlines()[1:] == [f"• _{render.title(late)}_ · {cause_line(c)[2:]}" for c in expected]


def test_digest_without_causes_says_so(demo: Demo) -> None:
    bare = [{**r, "causes": []} for r in demo.results]
    shown = texts(checked(build(demo, results=bare)))
    assert "*Top defect causes*\nNo defect with a recorded cause." in shown


def test_a_stale_all_orders_export_is_flagged_first(demo: Demo) -> None:
    payload = checked(build(demo))
    block = next(t for t in texts(payload) if t.startswith("*Data freshness*"))
    lines = block.splitlines()[1:]
    assert lines[0] == "• *All Orders report*: through 20 Nov · ⚠️ 4 days old: upload a new one"
    assert "• *Seller feedback report*: through 23 Nov" in lines
    assert "• *Account Health report (JSON)*: through 22 Nov" in lines
    assert sum("⚠️" in line for line in lines) == 1


def test_freshness_of_an_export_never_read_and_of_another_year(demo: Demo) -> None:
    freshness = {"returns": date(2025, 12, 30), "retired_kind": date(2026, 11, 1)}
    payload = checked(build(demo, freshness=freshness, stale={"all_orders": 1}))
    block = next(t for t in texts(payload) if t.startswith("*Data freshness*"))
    assert "• *All Orders report*: no day covered yet · ⚠️ 1 day old: upload a new one" in block
    assert "• *Returns report (seller-fulfilled)*: through 30 Dec 2025" in block
    assert "• *retired kind*: through 1 Nov" in block  # a kind this build no longer knows


# --- escaping, empty digests -----------------------------------------------------------------------


def test_report_text_is_escaped(demo: Demo) -> None:
    pending = [message(1, 2, subject="<!channel> where is it? & now", order="<@U999>")]
    ship = [ShipToday(order_id="<!here>", sku="<b>&co", ship_by=NOW + timedelta(hours=3))]
    reply = build(demo, account="<!everyone>", pending=pending, ship_today=ship)
    payload = checked(reply)
    everything = json.dumps(payload["blocks"], ensure_ascii=False) + reply.text
    for injected in ("<!channel>", "<!here>", "<!everyone>", "<@U999>", "<b>"):
        assert injected not in everything
    shown = "\n".join(texts(payload))
    assert "&lt;!channel&gt; where is it? &amp; now" in shown and "order &lt;@U999&gt;" in shown
    assert "order &lt;!here&gt; · SKU &lt;b&gt;&amp;co" in shown
    assert "*&lt;!everyone&gt;*" in texts(payload)[1]


def test_an_empty_snapshot_still_makes_a_digest(demo: Demo) -> None:
    reply = digest("acme-us", AS_OF, [], [], [], [], {}, {}, NOW, "UTC")
    shown = texts(checked(reply))
    assert "No figures in this snapshot." in shown
    assert "*Data freshness*\nNo export uploaded yet." in shown
    assert reply.text == "Morning digest for acme-us (24 Nov 2026): no figures yet, no buyer message due."


def test_everything_on_target_says_so_without_a_button(demo: Demo) -> None:
    calm = [{**r, "status": "ok"} if r["status"] in ("breach", "warning") else r for r in demo.results]
    reply = build(demo, results=calm)
    payload = checked(reply)
    assert "Every metric with enough data is on target." in texts(payload)
    assert all(b["type"] != "actions" for b in payload["blocks"])
    assert "every metric with data on target" in reply.text


# --- the stale-export DM ---------------------------------------------------------------------------


def test_stale_notice_says_how_old_and_where_to_get_it() -> None:
    reply = stale_notice("acme-us", "all_orders", 4, date(2026, 11, 20))
    shown = "\n".join(texts(checked(reply)))
    assert "No new *All Orders report* for *acme-us* in 4 days: the newest one covers through 20 Nov 2026." in shown
    assert "Seller Central &gt; Reports &gt; Fulfillment &gt; All Orders" in shown  # escaped like report text
    assert reply.text == "acme-us: no new All Orders report in 4 days; upload a fresh one to keep the figures current."


def test_stale_notice_without_any_upload_and_with_a_hostile_name() -> None:
    reply = stale_notice("<!channel>", ACCOUNT_HEALTH_KIND, 1, None)
    payload = checked(reply)
    everything = json.dumps(payload["blocks"]) + reply.text
    assert "<!channel>" not in everything and "&lt;!channel&gt;" in everything
    shown = "\n".join(texts(payload))
    assert "*Account Health report (JSON)*" in shown and "in 1 day: no upload of it covers any day yet." in shown
    assert "Where to get it" not in shown  # no export format describes the JSON report
