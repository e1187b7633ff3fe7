"""healthbot's Slack app, command line and scheduler: orchestrates storage and metrics."""
