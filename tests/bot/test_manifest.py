"""manifest.yml is a valid Slack app manifest, with what the app uses and no more."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft7Validator

from bot.app import BOT_SCOPES

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT.parent / "shared" / "spec" / "slack-manifest.schema.json"


def manifest() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_manifest_is_valid_against_slacks_schema():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    errors = sorted(Draft7Validator(schema).iter_errors(manifest()), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def test_manifest_declares_the_command_events_and_scopes_used():
    app = manifest()
    assert [c["command"] for c in app["features"]["slash_commands"]] == ["/health"]
    assert app["settings"]["event_subscriptions"]["bot_events"] == ["file_shared"]
    assert sorted(app["oauth_config"]["scopes"]["bot"]) == sorted(BOT_SCOPES)
    assert app["features"]["slash_commands"][0]["should_escape"] is True  # user mentions come as ids
    assert app["features"]["app_home"]["messages_tab_enabled"] is True
