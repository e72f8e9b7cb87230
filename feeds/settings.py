"""The settings as data: name, default, type and help; the factory reads the first three, and a
test checks the README's configuration table against the help."""

import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .text import yes_or_no

PROJECT_SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@dataclass(frozen=True, slots=True)
class Setting:
    """One configuration value: `FEEDS_<name>` in the environment, `<name>` in Flask's config."""

    name: str
    default: Any
    parse: Callable[[Any], Any]  # the raw value (text from the environment) to its type
    help: str


def _switch(value: Any) -> bool:
    """A yes/no setting from the environment (empty: no) or a mapping."""
    if isinstance(value, str):
        answer = yes_or_no(value) if value.strip() else False
        if answer is None:
            raise ValueError(f"{value!r} is not true or false")
        return answer
    return bool(value)


def _string(value: Any) -> str:
    """A text setting; the environment's JSON decoding may have made it a number."""
    return "" if value is None else str(value)


def _whole(value: Any) -> int:
    """A non-negative whole number."""
    number = int(value)
    if number < 0:
        raise ValueError(f"{value!r} is negative")
    return number


def _seconds(value: Any) -> float:
    """A non-negative number of seconds."""
    number = float(value)
    if number < 0:
        raise ValueError(f"{value!r} is negative")
    return number


_ALIAS_PATH = r"/[A-Za-z0-9._~!$&'()*+,;=:@%/-]{0,200}"


def _aliases(value: Any) -> tuple[tuple[str, str], ...]:
    """Old feed paths and the paths they answer as: `OLD=NEW` pairs, apart by spaces or commas."""
    if isinstance(value, tuple | list):
        pairs = [tuple(pair) for pair in value]
    else:
        pairs = [tuple(item.partition("=")[::2]) for item in
                 _string(value).replace(",", " ").split()]
    for old, new in pairs:
        if not (re.fullmatch(_ALIAS_PATH, old) and re.fullmatch(_ALIAS_PATH, new)):
            raise ValueError(f"{old}={new} is not OLD=NEW, two paths that start with /")
    return tuple((old, new) for old, new in pairs)


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _networks(value: Any) -> tuple[Network, ...]:
    """IP addresses or networks: a comma list (or the networks themselves), read once."""
    parts = value if isinstance(value, tuple | list) else _string(value).split(",")
    return tuple(ipaddress.ip_network(str(part).strip(), strict=False)
                 for part in parts if str(part).strip())


SETTINGS = (
    Setting("SEEDS_DIR", str(PROJECT_SEEDS), _string, "Folder of seed files, read recursively."),
    Setting("SITE_TITLE", "Seed Feeds", _string, "Title of the site and of every feed."),
    Setting("SITE_DESCRIPTION", "", _string, "Description of the site-wide feeds."),
    Setting("BASE_URL", "", _string,
            "Scheme, host and prefix for absolute links (`https://feeds.example.com`); "
            "empty: the request's own. Set it in production so that a forged `Host` header "
            "moves no link."),
    Setting("LANGUAGE", "en-us", _string, "Language of the feeds."),
    Setting("LIMIT", 50, _whole, "Items a page when a request gives no `limit`."),
    Setting("MAX_LIMIT", 500, _whole, "The largest `limit` a request may ask for."),
    Setting("MAX_AGE", 300, _whole,
            "Seconds clients and proxies may cache a response; RSS `ttl` in minutes."),
    Setting("RELOAD_SECONDS", 5, _seconds, "Seconds between walks of the seeds folder while "
            "file events are off or unavailable (and between retries of unreadable seeds)."),
    Setting("WATCH", True, _switch, "Learn of changes from file events (inotify), one watcher "
            "for the whole server; off: one process walks every RELOAD_SECONDS."),
    Setting("WALK_SECONDS", 300, _seconds, "Seconds between the safety walks of the whole "
            "folder while file events work (a change they missed waits this long)."),
    Setting("WEBSUB_HUB", "", _string, "URL of a WebSub hub to advertise (`rel=\"hub\"`) and "
            "ping, or `self` for the hub of its own at `/websub` (needs `STATE_DIR`); needs "
            "`BASE_URL`; empty: none."),
    Setting("TRUST_PROXY", False, _switch,
            "Honour `X-Forwarded-For/-Proto/-Host/-Prefix` from one proxy in front."),
    Setting("CACHE_DIR", "", _string, "Folder for the persisted parse cache; empty: none."),
    Setting("STATE_DIR", "", _string, "Folder for the server's own state (hub subscriptions, "
            "audience counts), SQLite files only this user may write; empty: none."),
    Setting("HUB_LEASE_SECONDS", 864_000, _whole,
            "Lease of a hub subscription that asks for none (10 days)."),
    Setting("HUB_MIN_LEASE_SECONDS", 3600, _whole, "The shortest lease the hub grants."),
    Setting("HUB_MAX_LEASE_SECONDS", 2_592_000, _whole, "The longest lease the hub grants."),
    Setting("HUB_RETRY_SECONDS", 3600, _seconds,
            "How long the hub retries a failing callback (with backoff) before it drops the "
            "delivery."),
    Setting("HUB_MAX_SUBSCRIPTIONS", 10_000, _whole, "Hub subscriptions in all, at most."),
    Setting("HUB_MAX_PER_HOST", 100, _whole, "Hub subscriptions of one callback host, at most."),
    Setting("HUB_ALLOW_PRIVATE", False, _switch,
            "Let the hub call back loopback, private and link-local addresses (for tests)."),
    Setting("API_PAGE_SIZE", 25, _whole,
            "Articles a page of the JSON news API (`/api/news/...`); 25, as the origin site."),
    Setting("SITEMAP", True, _switch,
            "Serve `/sitemap.xml` of the standard pages and name it in `/robots.txt`."),
    Setting("FEED_ALIASES", (), _aliases,
            "Old paths of your own that answer as a page or feed of this site, "
            "`OLD=NEW` apart by spaces (`/blog/feed=/feed.atom`); beside the built-in ones."),
    Setting("DOCUMENT_CACHE_MB", 64, _whole,
            "MiB of rendered documents each worker keeps (least recently used out): their "
            "bodies, gzip and what their keys hold."),
    Setting("AUDIENCE_DAYS", 400, _whole, "Days of subscriber counts kept in `STATE_DIR`; "
            "0: no counting."),
    Setting("STATS_TOKEN", "", _string, "Bearer token that opens `/stats` and `/metrics`; "
            "empty: both are off (404)."),
    Setting("STATS_ALLOW", "", _networks, "Comma list of addresses or networks "
            "(`127.0.0.1, 10.0.0.0/8`) that may open `/stats` and `/metrics` without the "
            "token (once `STATS_TOKEN` is set)."),
    Setting("ACCESS_LOG", False, _switch, "Log one JSON line a request (logger `feeds.access`, "
            "on stderr), in the fields of `deploy/nginx.conf`'s JSON log."),
)


@dataclass(frozen=True, slots=True)
class Settings:
    """The typed settings every part of the app reads, one field per Setting; built once."""

    seeds_dir: str
    site_title: str
    site_description: str
    base_url: str
    language: str
    limit: int
    max_limit: int
    max_age: int
    reload_seconds: float
    watch: bool
    walk_seconds: float
    websub_hub: str
    trust_proxy: bool
    cache_dir: str
    state_dir: str
    hub_lease_seconds: int
    hub_min_lease_seconds: int
    hub_max_lease_seconds: int
    hub_retry_seconds: float
    hub_max_subscriptions: int
    hub_max_per_host: int
    hub_allow_private: bool
    api_page_size: int
    sitemap: bool
    feed_aliases: tuple[tuple[str, str], ...]
    document_cache_mb: int
    audience_days: int
    stats_token: str
    stats_allow: tuple[Network, ...]
    access_log: bool

    @classmethod
    def of(cls, config: Mapping[str, Any]) -> "Settings":
        """The settings config holds (or their defaults), typed; ValueError names a bad one."""
        return cls(**{name.lower(): value for name, value in resolve(config).items()})

    def as_config(self) -> dict[str, Any]:
        """The settings by their Flask config names."""
        return {setting.name: getattr(self, setting.name.lower()) for setting in SETTINGS}


def resolve(config: Mapping[str, Any]) -> dict[str, Any]:
    """Every setting from config (or its default), typed; ValueError names a bad one."""
    values = {}
    for setting in SETTINGS:
        raw = config.get(setting.name, setting.default)
        try:
            values[setting.name] = setting.parse(raw)
        except (TypeError, ValueError) as error:
            raise ValueError(f"FEEDS_{setting.name}: {error}") from None
    if not 1 <= values["LIMIT"] <= values["MAX_LIMIT"]:
        raise ValueError("FEEDS_LIMIT must be from 1 to FEEDS_MAX_LIMIT")
    if not (values["HUB_MIN_LEASE_SECONDS"] <= values["HUB_LEASE_SECONDS"]
            <= values["HUB_MAX_LEASE_SECONDS"]):
        raise ValueError("FEEDS_HUB_LEASE_SECONDS must be from FEEDS_HUB_MIN_LEASE_SECONDS to "
                         "FEEDS_HUB_MAX_LEASE_SECONDS")
    if not 1 <= values["API_PAGE_SIZE"] <= values["MAX_LIMIT"]:
        raise ValueError("FEEDS_API_PAGE_SIZE must be from 1 to FEEDS_MAX_LIMIT")
    return values
