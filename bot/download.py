"""Fetching a shared file from Slack: the bot token goes to Slack's own hosts and nowhere else.

Slack answers a download it will not serve (bad token, missing `files:read`) with a redirect to, or
a 200 of, its HTML sign-in page: neither is ever taken for the file. Redirects are not followed.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import httpx

CHUNK = 1024 * 1024
TIMEOUT = httpx.Timeout(30.0, read=120.0)


class DownloadError(Exception):
    """The file could not be fetched; the message says why, for the file's thread."""


def is_slack_url(url: str, api_url: str) -> bool:
    """Whether `url` is on the host of the Web API or one of its subdomains, by the same scheme.

    Derived from `SLACK_API_URL`: `https://slack.com/api/` allows `files.slack.com`; a government
    cloud's or a local fake's API URL allows its own host.
    """
    target, api = urlsplit(url), urlsplit(api_url)
    if target.scheme != api.scheme or not target.hostname or not api.hostname:
        return False
    same_port = (target.port or 0) == (api.port or 0)
    host, slack = target.hostname.lower(), api.hostname.lower()
    return same_port and (host == slack or host.endswith("." + slack))


def download(*, url: str, token: str, api_url: str, dest: Path, max_bytes: int) -> int:
    """Stream the file at `url` into `dest`; returns its size. Raises DownloadError."""
    if not is_slack_url(url, api_url):
        host = urlsplit(url).hostname or url
        raise DownloadError(f"the file's download address is not on Slack ({host}), so it was not fetched")
    auth_failure = (
        "Slack would not hand the file to healthbot (it answered with its sign-in page): "
        "reinstall the app so that it has the files:read scope, and check the bot is in this channel"
    )
    written = 0
    try:
        with (
            httpx.stream(
                "GET", url, headers={"Authorization": f"Bearer {token}"}, follow_redirects=False, timeout=TIMEOUT
            ) as response,
            dest.open("wb") as out,
        ):
            if response.is_redirect:
                raise DownloadError(auth_failure)
            if response.status_code != 200:
                raise DownloadError(f"Slack answered the download with HTTP {response.status_code}; try again later")
            if response.headers.get("content-type", "").lower().startswith("text/html"):
                raise DownloadError(auth_failure)
            for chunk in response.iter_bytes(CHUNK):
                written += len(chunk)
                if written > max_bytes:
                    raise DownloadError(f"the file is larger than healthbot's limit of {max_bytes // 1024**2:,} MB")
                out.write(chunk)
    except httpx.HTTPError as exc:
        raise DownloadError(f"the download failed ({type(exc).__name__}); share the file again to retry") from exc
    return written
