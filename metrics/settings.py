"""Per-account metric settings: target overrides and every (choice) of metrics.md, with its defaults.

They live in the account's `settings` JSON column, so a team changes them without a migration.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from metrics.registry import BY_ID


class SettingsError(ValueError):
    """A metric setting that cannot be used (unknown metric, impossible value)."""


class MetricSettings(BaseModel):
    """The (choice) settings of metrics.md, each with the spec's default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    targets: dict[str, float] = Field(default_factory=dict)  # metric id -> target, overriding the default
    warn_fraction: float = Field(default=0.8, gt=0, le=1)
    min_denominator: int = Field(default=10, ge=1)
    claims_rule: Literal["counting", "all"] = "counting"
    amazon_max_age_days: int = Field(default=3, ge=0)
    return_window_days: int = Field(default=30, ge=1, le=365)
    cs_window_days: int = Field(default=30, ge=1, le=365)
    refund_window_days: int = Field(default=30, ge=1, le=365)
    response_hours: int = Field(default=24, ge=1)

    @classmethod
    def from_json(cls, raw: dict[str, Any] | None) -> MetricSettings:
        """The account's stored settings; unknown or broken entries raise SettingsError."""
        try:
            settings = cls.model_validate(raw or {})
        except ValidationError as exc:
            raise SettingsError(f"invalid metric settings: {exc.errors()[0]['msg']}") from None
        unknown = sorted(set(settings.targets) - set(BY_ID))
        if unknown:
            raise SettingsError(f"no metric {', '.join(unknown)}")
        return settings

    def target(self, metric_id: str) -> float | None:
        """The account's target for a metric: its override, else the spec's default."""
        if metric_id in self.targets:
            return self.targets[metric_id]
        return BY_ID[metric_id].target


def change_setting(raw: dict[str, Any] | None, key: str, value: str) -> dict[str, Any]:
    """The account's settings JSON with one setting changed (`targets.odr 0.009`, `claims_rule all`).

    `default` removes an override. Raises SettingsError for an unknown key or an impossible value.
    """
    updated: dict[str, Any] = {k: (dict(v) if isinstance(v, dict) else v) for k, v in (raw or {}).items()}
    if key.startswith("targets."):
        metric_id = key.removeprefix("targets.")
        if metric_id not in BY_ID:
            raise SettingsError(f"no metric {metric_id!r}")
        targets = updated.setdefault("targets", {})
        if value == "default":
            targets.pop(metric_id, None)
        else:
            targets[metric_id] = _number(value, key)
    elif key in MetricSettings.model_fields and key != "targets":
        if value == "default":
            updated.pop(key, None)
        else:
            annotation = MetricSettings.model_fields[key].annotation
            updated[key] = _number(value, key) if annotation in (int, float) else value
    else:
        known = ", ".join(["targets.<metric>", *(k for k in MetricSettings.model_fields if k != "targets")])
        raise SettingsError(f"no setting {key!r}; settings: {known}")
    MetricSettings.from_json(updated)  # refuse what would not load
    return updated


def _number(value: str, key: str) -> float:
    """`0.009`, `0.9%` (exactly 0.009, not 0.009000000000000001) or `10`."""
    try:
        number = Decimal(value.rstrip("%")) / (100 if value.endswith("%") else 1)
    except InvalidOperation:
        raise SettingsError(f"{key} takes a number (e.g. 0.009 or 0.9%), not {value!r}") from None
    if not number.is_finite():
        raise SettingsError(f"{key} takes a finite number, not {value!r}")
    return (
        int(number) if number == number.to_integral_value() and "." not in value and "%" not in value else float(number)
    )
