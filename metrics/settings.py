"""Per-account metric settings: target overrides and every (choice) of metrics.md, with its defaults.

They live in the account's `settings` JSON column, so a team changes them without a migration.
"""

from __future__ import annotations

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
