"""The site's icons: their files, the links pages declare, and the icon and logo of each feed."""

from dataclasses import dataclass
from pathlib import Path

from ..ingest.icons import read_icon
from ..model import PROVIDERS
from .urls import absolute

STATIC = Path(__file__).parent.parent / "static"


@dataclass(frozen=True, slots=True)
class IconFile:
    """One icon the site serves at the top of its URL space (/favicon.ico, /icon-512.png)."""

    name: str
    media_type: str
    sizes: str  # as a <link sizes> says it: "16x16 32x32 48x48", "any"


# In the order pages declare them: rasters first (many readers keep only raster icons), the
# SVG last, for the browsers that prefer it.
ICON_FILES = {icon.name: icon for icon in (
    IconFile("favicon.ico", "image/x-icon", "16x16 32x32 48x48"),
    IconFile("icon-32.png", "image/png", "32x32"),
    IconFile("icon-64.png", "image/png", "64x64"),
    IconFile("icon-512.png", "image/png", "512x512"),
    IconFile("apple-touch-icon.png", "image/png", "180x180"),
    IconFile("favicon.svg", "image/svg+xml", "any"),
)}
SMALL_ICON = "icon-64.png"  # Atom <icon>, JSON Feed favicon (its spec: at least 64 x 64)
LARGE_ICON = "icon-512.png"  # RSS <image>, Atom <logo>, JSON Feed icon (512 x 512)


@dataclass(frozen=True, slots=True)
class FeedIcons:
    """What a feed shows beside its title: a small square icon and a larger logo."""

    icon: str
    logo: str


def feed_icons(base_url: str, kind: str, logo: str) -> FeedIcons:
    """The provider's logo on its own feeds where known; else the site's icons (and a topic's
    logo from the site data, where it has one)."""
    if kind == PROVIDERS and logo:
        return FeedIcons(icon=logo, logo=logo)
    return FeedIcons(icon=absolute(base_url, f"/{SMALL_ICON}"),
                     logo=logo or absolute(base_url, f"/{LARGE_ICON}"))


def icon_links(base_url: str, kind: str = "", logo: str = "") -> list[dict[str, str]]:
    """The <link> attributes of a page's icons: a provider's logo on its page, where known;
    the site's icons, rasters first, otherwise."""
    if kind == PROVIDERS and logo:
        return [{"rel": "icon", "href": logo}, {"rel": "apple-touch-icon", "href": logo}]
    links = []
    for icon in ICON_FILES.values():
        rel = "apple-touch-icon" if icon.name.startswith("apple-touch") else "icon"
        links.append({"rel": rel, "type": icon.media_type, "sizes": icon.sizes,
                      "href": absolute(base_url, f"/{icon.name}")})
    return links


def icon_bytes(seeds_dir: Path, name: str) -> bytes:
    """The icon file of that name: the operator's from `_data/icons/`, else the built-in."""
    return read_icon(seeds_dir, name) or (STATIC / name).read_bytes()


def icon_files(seeds_dir: Path) -> dict[str, bytes]:
    """Every icon by its name at the top of the site, as the export writes them."""
    return {name: icon_bytes(seeds_dir, name) for name in ICON_FILES}
