"""`healthbot run`: Socket Mode, one process holding the bot and the scheduler (one workspace, no
public URL needed). Run exactly one: two connected copies would both receive every event."""

from __future__ import annotations

from apscheduler.schedulers.background import BackgroundScheduler
from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.app import ConfigError, build_app
from bot.clock import Beat, add_jobs
from bot.runtime import Runtime


def run_socket_mode(runtime: Runtime) -> None:
    token = runtime.settings.slack_app_token
    if token is None:
        raise ConfigError(
            "set SLACK_APP_TOKEN (xapp-..., an app-level token with connections:write) for Socket Mode, "
            "or serve the HTTP shape (Procfile `web`)"
        )
    app = build_app(runtime)
    beat = Beat(runtime)
    scheduler = BackgroundScheduler(timezone="UTC")
    add_jobs(scheduler, beat)
    scheduler.start()
    try:
        SocketModeHandler(app, token.get_secret_value()).start()  # type: ignore[no-untyped-call]
    finally:
        scheduler.shutdown(wait=False)
        beat.lock.release()
