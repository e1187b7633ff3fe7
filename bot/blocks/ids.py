"""Action ids of healthbot's buttons, named once for the builders and the listeners alike."""

from __future__ import annotations

from typing import Final

# Button value: a metric id; shows that metric's detail to whoever clicked.
DETAIL: Final = "health_detail"
# Button value: the `/health` command text ("" for the overview); posts the same answer in the channel.
SHARE: Final = "health_share"

# Alert buttons in a metric owner's direct messages. Button value: `pack(account_id, metric_id)`.
SNOOZE_DAY: Final = "alert_snooze_day"
SNOOZE_MONDAY: Final = "alert_snooze_monday"
MUTE: Final = "alert_mute"
# Buyer-message reminder buttons. Button value: `pack(account_id, message_id)`.
REPLIED: Final = "message_replied"
NO_RESPONSE: Final = "message_no_response"

SEPARATOR: Final = "|"


def pack(*parts: str | int) -> str:
    """One button value from its parts, e.g. `pack(3, "odr")` is `"3|odr"`.

    A part holding the separator, or an empty one, would come back split wrongly from `unpack`, so it is refused
    here, where the bug is, rather than in the listener long after the message was posted.
    """
    shown = [str(part) for part in parts]
    for part in shown:
        if not part or SEPARATOR in part:
            raise ValueError(f"a button value part must be non-empty and free of {SEPARATOR!r}: {part!r}")
    return SEPARATOR.join(shown)


def unpack(value: str, count: int) -> list[str]:
    """The `count` parts of a value made by `pack`; ValueError when it has another shape (an old or forged click)."""
    parts = value.split(SEPARATOR)
    if len(parts) != count or not all(parts):
        raise ValueError(f"expected {count} non-empty parts separated by {SEPARATOR!r}, got {value!r}")
    return parts
