"""Text hygiene shared by every output: XML-safe strings, slugs, safe URLs."""

import html
import re
import unicodedata
from urllib.parse import quote, urlsplit

# Characters XML 1.0 forbids, plus DEL and the C1 controls that YAML and
# feed validators reject as well.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
# Bidirectional embeddings, overrides and isolates: in a title they reorder what follows them
# (U+202E shows `gpj.exe` as `exe.jpg`), and nothing in a feed needs them.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_WORD = re.compile(r"[^\W_]+")  # a run of letters and digits
_NOT_DOMAIN = re.compile(r"[^a-z0-9.-]+")
# What RFC 3986 allows after the authority, with '%' for escapes already made.
URL_SAFE = "!#$%&'()*+,-./:;=?@[]_~"
# The common case, needing no change: http(s), a plain host name, then only URL characters.
_PLAIN_URL = re.compile(r"https?://[A-Za-z0-9.-]+\.[A-Za-z]{2,63}"
                        r"(?:[/?#][A-Za-z0-9!#$%&'()*+,\-./:;=?@\[\]_~]*)?")
# A Host header's value: a name or an IPv6 literal, an optional port. No nested repetition, so
# matching takes time linear in the length, whatever a client sends.
HOST = re.compile(r"(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::([0-9]{1,5}))?")
_YES = frozenset({"1", "true", "yes", "on"})
_NO = frozenset({"0", "false", "no", "off"})
_NOT_HOST = re.compile(r"[^A-Za-z0-9.\-:@\[\]_~!$&'()*+,;=\u0080-\U0010ffff]")


def is_host(value: str) -> bool:
    """Whether value is a host name or IPv6 literal with an optional port from 1 to 65535."""
    match = HOST.fullmatch(value)
    return match is not None and (match[1] is None or is_port(match[1]))


def is_port(value: str) -> bool:
    """Whether value is a TCP port number, 1 to 65535, in digits."""
    return value.isascii() and value.isdigit() and len(value) <= 5 and 0 < int(value) < 65536


def yes_or_no(text: str) -> bool | None:
    """text as a yes (1, true, yes, on) or a no (0, false, no, off), in any case and spacing;
    None when it is neither: the one reading of a switch, in settings and in seeds alike."""
    word = text.strip().lower()
    return True if word in _YES else False if word in _NO else None


def without_forbidden(text: str) -> str:
    """text without the characters XML 1.0 forbids (nor DEL and the C1 controls)."""
    return _FORBIDDEN.sub("", text)


def clean(text: str) -> str:
    """Return text without the characters XML 1.0 forbids nor bidi controls, stripped."""
    return without_controls(text).strip()


def without_controls(text: str) -> str:
    """text without the characters XML 1.0 forbids nor bidi controls, otherwise as it is."""
    return _BIDI_CONTROLS.sub("", without_forbidden(text))


def shorten(text: str, limit: int) -> str:
    """text, cut to at most limit characters (the last one an ellipsis) when it is longer."""
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "\u2026"


def plain_text(text: str) -> str:
    """Seed text as readers see it: HTML character references decoded once, then cleaned.

    The sites these seeds come from write `we&#8217;re` and `A &amp; B`; from here on the
    result is plain text, which every output escapes again as text.
    """
    return clean(html.unescape(text)) if "&" in text else clean(text)


def slugify(name: str) -> str:
    """Lowercase ASCII with every run of other characters turned into '-'."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return _NOT_SLUG.sub("-", ascii_name.lower()).strip("-")


def search_words(text: str) -> list[str]:
    """The words of text as searches compare them: runs of letters and digits, casefolded,
    without accents (NFKD, combining marks removed)."""
    decomposed = unicodedata.normalize("NFKD", text)
    if not decomposed.isascii():
        decomposed = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _WORD.findall(decomposed.casefold())


# A slug may not end like a feed's URL, or /providers/<slug>.rss would mean two things.
# The URL suffixes of the feed formats, in the order pages list them (output's FORMATS).
FEED_SUFFIXES = ("rss", "atom", "json")
_FORMAT_ENDING = re.compile(rf"\.({'|'.join(FEED_SUFFIXES)})$")


def domain_slug(domain: str) -> str:
    """A provider slug from a domain: its ASCII form (IDNA, so `bücher.de` is
    `xn--bcher-kva.de` and no two names meet), lowercase letters, digits, dots and dashes,
    never ending in `.rss`, `.atom` or `.json` (`example.com.rss` -> `example.com-rss`)."""
    ascii_domain = ".".join(_ascii_label(label) for label in domain.strip().lower().split("."))
    slug = _NOT_DOMAIN.sub("-", ascii_domain)
    slug = re.sub(r"\.{2,}", ".", slug).strip(".-")
    return _FORMAT_ENDING.sub(r"-\1", slug)


def _ascii_label(label: str) -> str:
    """One label of a domain in ASCII: IDNA where it can be, else its Punycode (`xn--...`)."""
    if label.isascii():
        return label
    try:
        return label.encode("idna").decode("ascii")
    except UnicodeError:  # not a valid IDNA label, but still a distinct name
        return "xn--" + label.encode("punycode").decode("ascii")


MAX_URL = 2048  # characters, once encoded; longer URLs are refused, as browsers and proxies do


def http_url(value: object) -> str | None:
    """value as an absolute http(s) URL, with what a URL may not hold percent-encoded; or None."""
    if not isinstance(value, str) or len(value) > MAX_URL:
        return None
    if _PLAIN_URL.fullmatch(value):
        return value
    url = clean(value)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a malformed port)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if not url.startswith("//", len(parts.scheme) + 1) or _NOT_HOST.search(parts.netloc):
        return None
    authority_end = len(parts.scheme) + 3 + len(parts.netloc)
    encoded = url[:authority_end] + quote(url[authority_end:], safe=URL_SAFE)
    return encoded if len(encoded) <= MAX_URL else None
