"""Alert direct messages and buyer-message reminders as their readers see them, from real engine results."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from bot import render
from bot.blocks import alerts, ids, reminders
from bot.blocks.alerts import crossing, snoozed
from bot.blocks.reminders import message_marked, overdue, reminder
from metrics.registry import BY_ID
from tests.bot.test_blocks import Demo, build_demo, buttons, checked, texts

ACCOUNT_ID = 7
ALERT_BUTTONS = {ids.SNOOZE_DAY, ids.SNOOZE_MONDAY, ids.MUTE}
Result = dict[str, Any]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    return build_demo(tmp_path_factory.mktemp("alert_demo"))


def _figure(demo: Demo, metric_id: str, scope: str, status: str) -> Result:
    """A copy: tests change results freely without touching the module-wide snapshot."""
    found = [r for r in demo.results if r["id"] == metric_id and r["scope"] == scope and r["status"] == status]
    assert found, f"the demo snapshot has no {status} {metric_id} ({scope}) figure"
    return copy.deepcopy(found[0])


@pytest.fixture
def odr_breach(demo: Demo) -> Result:
    return _figure(demo, "odr", "mfn", "breach")


def _earlier(result: Result, value: float, status: str) -> Result:
    return {**copy.deepcopy(result), "value": value, "status": status}


def _all_text(payload: dict[str, Any]) -> str:
    return "\n".join(texts(payload))


# --- pack / unpack ---------------------------------------------------------------------------------


def test_pack_and_unpack_round_trip() -> None:
    value = ids.pack(ACCOUNT_ID, "odr")
    assert value == "7|odr"
    assert ids.unpack(value, 2) == ["7", "odr"]
    assert ids.unpack(ids.pack(12, "107349922"), 2) == ["12", "107349922"]


@pytest.mark.parametrize("value", ["", "7", "7|", "|odr", "7|odr|x", "7||odr"])
def test_unpack_rejects_malformed_values(value: str) -> None:
    with pytest.raises(ValueError):
        ids.unpack(value, 2)


@pytest.mark.parametrize("part", ["", "a|b"])
def test_pack_refuses_parts_that_would_not_come_back(part: str) -> None:
    with pytest.raises(ValueError):
        ids.pack(ACCOUNT_ID, part)


# --- crossing alerts --------------------------------------------------------------------------------


def test_breach_says_what_changed_in_the_headline_and_the_fallback(odr_breach: Result) -> None:
    previous = _earlier(odr_breach, 0.0082, "warning")
    payload = checked(crossing("acme-us", ACCOUNT_ID, odr_breach, "breach", previous=previous))
    headline = payload["blocks"][0]["text"]["text"]
    assert headline == "🔴 *Order Defect Rate (MFN)* went over target: 0.82% → 1.65% (target &lt; 1.00%)"
    assert payload["text"] == "acme-us: 🔴 Order Defect Rate (MFN) went over target: 0.82% → 1.65% (target &lt; 1.00%)"
    assert "*acme-us*" in _all_text(payload) and "3 of 182" in _all_text(payload)


def test_breach_explains_why_with_causes_and_example_orders(odr_breach: Result) -> None:
    text = _all_text(checked(crossing("acme-us", ACCOUNT_ID, odr_breach, "breach", previous=None)))
    assert "*Why: top causes*" in text
    for cause in odr_breach["causes"][: alerts.CAUSES_SHOWN]:
        assert f"{cause['label']}: *{cause['count']}*" in text
        assert cause["orders"][0] in text


def test_causes_are_cut_at_five_and_the_rest_counted(odr_breach: Result) -> None:
    odr_breach["causes"] = [
        {"kind": "sku", "label": f"SKU-{n}", "count": 10 - n, "orders": [f"111-000000{n}-0000000"]} for n in range(8)
    ]
    text = _all_text(checked(crossing("acme-us", ACCOUNT_ID, odr_breach, "breach", previous=None)))
    assert "SKU-4" in text and "SKU-5" not in text
    assert "…and 3 more cause(s)" in text


def test_breach_gives_budget_outlook_and_the_health_pointer(demo: Demo) -> None:
    delivery = _figure(demo, "on_time_delivery_rate", "mfn", "breach")
    text = _all_text(checked(crossing("acme-us", ACCOUNT_ID, delivery, "breach", previous=None)))
    budget = delivery["budget"]["clean_orders_to_recover"]
    unit = BY_ID["on_time_delivery_rate"].unit
    assert f"*Budget:* {budget:,} defect-free {unit} needed to get back on target" in text
    assert f"*Outlook:* {render.outlook_sentence(delivery)}" in text
    assert "clears on 7 Dec" in text
    assert "`/health delivery`" in text


def test_breach_offers_snooze_and_mute_for_this_account_and_metric(odr_breach: Result) -> None:
    payload = checked(crossing("acme-us", ACCOUNT_ID, odr_breach, "breach", previous=None))
    found = buttons(payload)
    assert set(found) == ALERT_BUTTONS
    assert all(values == [f"{ACCOUNT_ID}|odr"] for values in found.values())
    assert payload["blocks"][-1]["type"] == "actions"
    labels = [e["text"]["text"] for e in payload["blocks"][-1]["elements"]]
    assert labels == ["Snooze 1 day", "Snooze until Monday", "Mute this metric"]
    mute = payload["blocks"][-1]["elements"][2]
    assert mute["style"] == "danger"
    assert mute["confirm"]["confirm"]["text"] == "Mute"
    assert "`/health owner odr @user`" in mute["confirm"]["text"]["text"]


def test_recovered_says_so_without_snooze_buttons(demo: Demo) -> None:
    now = _figure(demo, "odr", "afn", "ok")
    before = _earlier(now, 0.0105, "breach")
    payload = checked(crossing("acme-us", ACCOUNT_ID, now, "recovered", previous=before))
    assert payload["text"] == "acme-us: ✅ Order Defect Rate (AFN) is back on target: 1.05% → 0.00% (target &lt; 1.00%)"
    assert not ALERT_BUTTONS & set(buttons(payload))
    assert all(block["type"] != "actions" for block in payload["blocks"])
    assert "`/health odr`" in _all_text(payload)


def test_still_breach_says_for_how_many_days(odr_breach: Result) -> None:
    previous = _earlier(odr_breach, 0.0170, "breach")
    payload = checked(crossing("acme-us", ACCOUNT_ID, odr_breach, "still_breach", previous=previous, days_in_breach=6))
    assert "has been over target for 6 days: 1.70% → 1.65%" in payload["text"]
    assert set(buttons(payload)) == ALERT_BUTTONS
    one = checked(crossing("acme-us", ACCOUNT_ID, odr_breach, "still_breach", previous=None, days_in_breach=1))
    assert "over target for 1 day:" in one["text"]


def test_warning_gives_the_defects_left_before_breach(demo: Demo) -> None:
    figure = _figure(demo, "odr", "all", "warning")
    figure["budget"] = {"defects_until_breach": 2, "clean_orders_to_recover": 0}
    payload = checked(crossing("acme-us", ACCOUNT_ID, figure, "warning", previous=None))
    assert payload["text"].startswith("acme-us: ⚠️ Order Defect Rate (all) is close to target: 0.96%")
    assert "*Budget:* 2 more defect(s) before the target is breached" in _all_text(payload)
    assert set(buttons(payload)) == ALERT_BUTTONS


def test_an_estimate_says_what_it_rests_on(odr_breach: Result) -> None:
    odr_breach["basis"] = "estimate"
    odr_breach["basis_note"] = "claims <estimated> from refunds & returns"
    text = _all_text(checked(crossing("acme-us", ACCOUNT_ID, odr_breach, "breach", previous=None)))
    assert "_Estimated figure: claims &lt;estimated&gt; from refunds &amp; returns_" in text


def test_the_pointer_skips_command_words() -> None:
    assert alerts.command_word("contact_response") == "crt"  # `/health messages` lists pending messages
    assert alerts.command_word("late_shipment_rate") == "late"
    assert alerts.command_word("odr") == "odr"


def test_report_text_in_an_alert_is_escaped(odr_breach: Result) -> None:
    odr_breach["causes"] = [{"kind": "sku", "label": "<!channel> SKU", "count": 2, "orders": ["<@U999>"]}]
    payload = checked(crossing("<!here> shop", ACCOUNT_ID, odr_breach, "breach", previous=None))
    everything = _all_text(payload) + payload["text"]
    assert "<!channel>" not in everything and "<!here>" not in everything and "<@U999>" not in everything
    assert "&lt;!channel&gt; SKU" in everything


def test_an_unknown_kind_is_refused(odr_breach: Result) -> None:
    with pytest.raises(ValueError):
        crossing("acme-us", ACCOUNT_ID, odr_breach, "over", previous=None)


def test_every_alert_of_every_figure_is_valid(demo: Demo) -> None:
    for result in demo.results:
        for kind in alerts.KINDS:
            payload = checked(crossing("acme-us", ACCOUNT_ID, result, kind, previous=result, days_in_breach=3))
            assert payload["text"].startswith("acme-us: ")


# --- snoozed / muted ---------------------------------------------------------------------------------


def test_snoozed_says_until_when_in_utc() -> None:
    berlin = timezone(timedelta(hours=1))
    payload = checked(snoozed("Order Defect Rate", datetime(2025, 12, 1, 9, 0, tzinfo=berlin), muted=False))
    assert payload["text"].startswith("💤 Snoozed until Mon 1 Dec 08:00 UTC: no alerts for Order Defect Rate")
    assert "`/health odr`" in payload["text"]
    assert buttons(payload) == {}


def test_muted_says_how_to_undo_it() -> None:
    payload = checked(snoozed("late_shipment_rate", None, muted=True))
    text = payload["blocks"][0]["text"]["text"]
    assert "Muted: no more alerts for Late Shipment Rate" in text
    assert "`/health owner late @user`" in text


def test_snoozed_needs_an_aware_time_unless_muted() -> None:
    with pytest.raises(ValueError):
        snoozed("odr", None, muted=False)
    with pytest.raises(ValueError):
        snoozed("odr", datetime(2025, 12, 1, 8, 0), muted=False)  # noqa: DTZ001 - the naive time under test


def test_snoozed_escapes_an_unknown_metric_name() -> None:
    payload = checked(snoozed("<!channel>", datetime(2025, 12, 1, 8, 0, tzinfo=UTC), muted=True))
    assert "<!channel>" not in payload["text"] and "&lt;!channel&gt;" in payload["text"]
    assert "`/health owner METRIC @user`" in payload["text"]


# --- buyer-message reminders -----------------------------------------------------------------------


@pytest.fixture
def message(demo: Demo) -> dict[str, Any]:
    """A pending message as the engine stored it, given an order and an assignee."""
    crt = next(r for r in demo.results if r["id"] == "contact_response" and r["extra"].get("pending_messages"))
    pending = copy.deepcopy(crt["extra"]["pending_messages"][0])
    return {**pending, "order_id": "111-6542644-1318989", "assignee": "cs-sam"}


def test_reminder_says_the_time_left_and_the_message_facts(message: dict[str, Any]) -> None:
    payload = checked(reminder("acme-us", ACCOUNT_ID, message, 5 + 40 / 60 + 1e-9, assignee_mention=None))
    text = _all_text(payload)
    assert "*Buyer message needs a reply within 5 h 40 min*" in text
    assert "111-6542644-1318989" in text and "Do you ship to P.O. boxes?" in text
    deadline = int(datetime.fromisoformat(message["deadline"]).timestamp())
    received = int(datetime.fromisoformat(message["received_at"]).timestamp())
    assert f"<!date^{deadline}^" in text and f"<!date^{received}^" in text
    assert "cs-sam" in text  # the report's assignee, when no Slack user is known
    assert payload["text"].startswith("⏰ Buyer message needs a reply within 5 h 40 min: order 111-6542644-1318989")


def test_reminder_offers_replied_and_no_response_for_this_message(message: dict[str, Any]) -> None:
    found = buttons(checked(reminder("acme-us", ACCOUNT_ID, message, 3.0, assignee_mention=None)))
    value = f"{ACCOUNT_ID}|{message['message_id']}"
    assert found == {ids.REPLIED: [value], ids.NO_RESPONSE: [value]}
    assert ids.unpack(value, 2) == [str(ACCOUNT_ID), message["message_id"]]


@pytest.mark.parametrize("given", ["U0123ABC", "<@U0123ABC>", "<@U0123ABC|sam>"])
def test_reminder_mentions_the_assignee(message: dict[str, Any], given: str) -> None:
    payload = checked(reminder("acme-us", ACCOUNT_ID, message, 3.0, assignee_mention=given))
    assert "<@U0123ABC>" in payload["blocks"][0]["text"]["text"]
    assert "<@U0123ABC>" in payload["text"]


def test_an_assignee_that_is_no_user_id_cannot_ping_anyone(message: dict[str, Any]) -> None:
    payload = checked(reminder("acme-us", ACCOUNT_ID, message, 3.0, assignee_mention="<!channel>"))
    assert "<!channel>" not in _all_text(payload) + payload["text"]


def test_a_subject_cannot_ping_the_channel(message: dict[str, Any]) -> None:
    message["subject"] = "<!channel> where is <my> order & refund"
    message["order_id"] = "<!here>"
    for reply in (
        reminder("acme-us", ACCOUNT_ID, message, 3.0, assignee_mention=None),
        overdue("acme-us", message, 2.0, account_id=ACCOUNT_ID),
    ):
        payload = checked(reply)
        everything = _all_text(payload) + payload["text"]
        assert "<!channel>" not in everything and "<!here>" not in everything
        assert "&lt;!channel&gt; where is &lt;my&gt; order &amp; refund" in everything


def test_a_message_without_order_or_subject_still_reads(message: dict[str, Any]) -> None:
    message.update(order_id=None, subject=None, assignee=None)
    payload = checked(reminder("acme-us", ACCOUNT_ID, message, 0.5, assignee_mention=None))
    assert "within 30 min: no order id, “(no subject)”" in payload["text"]


def test_overdue_says_how_long_ago_and_offers_only_replied(message: dict[str, Any]) -> None:
    payload = checked(overdue("acme-us", message, 2 + 5 / 60 + 1e-9, account_id=ACCOUNT_ID))
    assert "❗ *The reply deadline passed 2 h 05 min ago*" in payload["blocks"][0]["text"]["text"]
    assert payload["text"].startswith("❗ The reply deadline passed 2 h 05 min ago")
    assert buttons(payload) == {ids.REPLIED: [f"{ACCOUNT_ID}|{message['message_id']}"]}


def test_message_marked_says_who_and_how() -> None:
    replied = checked(message_marked("107349922", True, "U0123ABC"))
    assert "Marked replied by <@U0123ABC>" in replied["text"]
    skipped = checked(message_marked("107349922", False, "<@U0123ABC>"))
    assert "Marked as needing no response by <@U0123ABC>" in skipped["blocks"][0]["text"]["text"]
    assert buttons(replied) == {} and buttons(skipped) == {}


def test_mention_accepts_ids_and_defuses_the_rest() -> None:
    assert reminders.mention("W0ABC") == "<@W0ABC>"
    assert reminders.mention(" <@U1|x> ") == "<@U1>"
    assert reminders.mention("<!here>") == "&lt;!here&gt;"
