"""One file, one unit of work: ingest it in its own transaction, or log why it was refused.

Shared by the command line and the Slack upload listener.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from storage import models
from storage.ingest.errors import IngestError
from storage.ingest.pipeline import Progress, digest_file, ingest_file, record_rejection
from storage.ingest.result import IngestResult
from storage.settings import StorageSettings

logger = logging.getLogger(__name__)


def ingest_one(
    *,
    sessions: sessionmaker[Session],
    settings: StorageSettings,
    account: models.Account,
    path: Path,
    uploaded_by: str,
    source: str,
    now: datetime,
    display_name: str | None = None,
    progress: Progress | None = None,
) -> IngestResult:
    """Ingest `path` whole, or store nothing of it and record the rejection."""
    name = display_name or str(path)
    digest = digest_file(path)
    try:
        with sessions.begin() as session:
            return ingest_file(
                session=session,
                account=account,
                path=path,
                digest=digest,
                uploaded_by=uploaded_by,
                source=source,
                received_at=now,
                max_expanded_bytes=settings.max_expanded_bytes,
                chunk_rows=settings.ingest_chunk_rows,
                display_name=name,
                progress=progress,
            )
    except IngestError as error:
        logger.info("rejected %s: %s", name, error.problem)
        with sessions.begin() as session:
            return record_rejection(
                session=session,
                account=account,
                name=name,
                digest=digest,
                error=error,
                uploaded_by=uploaded_by,
                source=source,
                received_at=now,
            )
