"""How the page is served: who may bind where, with which password, and Gradio's launch options."""

import ipaddress
from pathlib import Path

from assistant.settings import Settings, UsageError

from ui.theme import CSS, PAGE_SCRIPT, theme

ASSETS = Path(__file__).with_name("assets")


def parse_auth(auth: str | None) -> list[tuple[str, str]] | None:
    """[('user', 'password'), …] from 'user:password' or 'ann:pw1,bob:pw2' (each user has conversations of
    their own); None when unset; UsageError when malformed."""
    if not auth:
        return None
    pairs = []
    for item in auth.split(","):
        user, colon, password = item.strip().partition(":")
        if not colon or not user or not password:
            raise UsageError("auth must look like user:password (both parts non-empty; several users: "
                             "ann:pw1,bob:pw2)")
        pairs.append((user, password))
    return pairs


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[] ")).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve anywhere


def check_bind(settings: Settings) -> list[tuple[str, str]] | None:
    """The credentials to require; UsageError (a ValueError: exit 2) for a non-loopback host without them."""
    auth = parse_auth(settings.auth)
    if auth is None and not is_loopback(settings.host):
        raise UsageError(f"refusing to serve on {settings.host} without a password: anyone who can reach it "
                         "could read your documents. Set FOOTNOTE_AUTH=user:password (or --auth), "
                         "or keep the default host 127.0.0.1")
    return auth


def launch_options(settings: Settings) -> dict:
    """Keyword arguments for Blocks.launch (everything but host and port)."""
    auth = check_bind(settings)
    return {
        "theme": theme(), "css": CSS, "js": PAGE_SCRIPT, "favicon_path": str(ASSETS / "favicon.png"),
        "auth": auth, "auth_message": "Footnote: sign in to ask questions about these documents." if auth else None,
        "max_file_size": f"{settings.max_upload_mb}mb", "footer_links": ["api"], "run_history": False,
        "enable_monitoring": False, "ssr_mode": False, "mcp_server": False, "pwa": False,
        "share": False, "show_error": True, "quiet": True,
    }
