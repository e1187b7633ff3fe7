"""healthbot's one settings object, built once by an entry point and passed down."""

from __future__ import annotations

from pydantic import Field, SecretStr

from storage.settings import StorageSettings


class Settings(StorageSettings):
    """Every setting healthbot reads from the environment; `.env.sample` documents each."""

    slack_bot_token: SecretStr | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    slack_client_id: str | None = Field(default=None, validation_alias="SLACK_CLIENT_ID")
    slack_client_secret: SecretStr | None = Field(default=None, validation_alias="SLACK_CLIENT_SECRET")
    slack_api_url: str = Field(default="https://slack.com/api/", validation_alias="SLACK_API_URL")
    # A shared file larger than this is not downloaded (Slack's own limit is far higher).
    max_upload_bytes: int = Field(default=512 * 1024**2, validation_alias="HEALTHBOT_MAX_UPLOAD_BYTES")
    # Files with more rows than this get a progress message in their thread, updated as it reads.
    progress_rows: int = Field(default=50_000, validation_alias="HEALTHBOT_PROGRESS_ROWS")
    # The clock (docs/notifications.md).
    digest_grace_hours: float = Field(default=3.0, validation_alias="HEALTHBOT_DIGEST_GRACE_HOURS")
    renotify_days: int = Field(default=3, ge=1, validation_alias="HEALTHBOT_RENOTIFY_DAYS")
    reminder_hours: str = Field(default="6,2", validation_alias="HEALTHBOT_REMINDER_HOURS")
    stale_days: int = Field(default=3, ge=1, validation_alias="HEALTHBOT_STALE_DAYS")
    # A breached figure recovers once back at "ok" (out of the warning band), or, when this is set,
    # once better than its target by this share of it (0.1: an ODR under 0.9% for a 1% target).
    recovery_margin: float | None = Field(default=None, ge=0, lt=1, validation_alias="HEALTHBOT_RECOVERY_MARGIN")
    # Encrypts OAuth installation tokens at rest when set (bot/token_store.py, docs/security.md).
    encryption_key: SecretStr | None = Field(default=None, validation_alias="HEALTHBOT_ENCRYPTION_KEY")

    def reminder_stages(self) -> list[float]:
        """Hours before a buyer message's deadline when its reminders go, soonest last (6, 2)."""
        return sorted((float(h) for h in self.reminder_hours.split(",") if h.strip()), reverse=True)
