"""healthbot's store: typed models, Alembic migrations, ingestion and queries. Knows nothing of Slack."""
