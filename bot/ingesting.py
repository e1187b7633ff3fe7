"""One file, one unit of work: ingest it in its own transaction, or log why it was refused.

Shared by the command line and the Slack upload listener.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import DataError
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
    except IngestError as exc:
        logger.info("rejected %s: %s", name, exc.problem)
        error = exc
    except DataError:
        # Values are checked while parsing; this is the net for one the checks missed, so the user
        # still gets a rejection (and the file stays out) rather than a crash.
        logger.exception("the database refused a value of %s", name)
        error = IngestError(
            "the database refused a value of this file (a value too long or out of range)",
            hint="Check the file for an unusually long or large value, or report it to the healthbot team",
        )
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
