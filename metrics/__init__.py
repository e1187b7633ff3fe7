"""healthbot's metric registry and computations (see ../shared/spec/metrics.md). Knows nothing of Slack."""
