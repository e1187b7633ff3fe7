"""Action ids of healthbot's buttons, named once for the builders and the listeners alike."""

from __future__ import annotations

from typing import Final

# Button value: a metric id; shows that metric's detail to whoever clicked.
DETAIL: Final = "health_detail"
# Button value: the `/health` command text ("" for the overview); posts the same answer in the channel.
SHARE: Final = "health_share"
