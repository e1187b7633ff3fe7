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
