"""The storage part of healthbot's settings; `bot.config.Settings` extends it with Slack's."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///healthbot.db"


class StorageSettings(BaseSettings):
    """Database and ingestion settings, read from the environment (and `.env`)."""

    model_config = SettingsConfigDict(env_file=".env", env_ignore_empty=True, extra="ignore")

    database_url: str = Field(default=DEFAULT_DATABASE_URL, validation_alias="DATABASE_URL")
    # A compressed upload may not expand past this many bytes (zip bombs, runaway gzip).
    max_expanded_bytes: int = Field(default=2 * 1024**3, validation_alias="HEALTHBOT_MAX_EXPANDED_BYTES")
    # Rows are written in chunks of this size: memory stays flat whatever the file size.
    ingest_chunk_rows: int = Field(default=5000, validation_alias="HEALTHBOT_INGEST_CHUNK_ROWS")
