"""What the hub sends to a callback: the check of a subscriber's intent, a denial, and the
new document of a topic, signed with the subscriber's secret (WebSub sections 5.3 and 7)."""

import hashlib
import hmac
import http.client
import logging
import secrets
import ssl
from urllib.parse import urlencode

from ..output.documents import Document
from .callbacks import CallbackRefused, call
from .hubstore import Delivery, Intent

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 5  # for one verification or one delivery, all told
MAX_BACKOFF_SECONDS = 600
FAILURES = (OSError, ssl.SSLError, http.client.HTTPException, CallbackRefused, ValueError)


def verify(intent: Intent, allow_private: bool) -> bool:
    """Whether the callback confirms intent: a 2xx whose body is the challenge, exactly."""
    challenge = secrets.token_urlsafe(32)
    params = [("hub.mode", intent.mode), ("hub.topic", intent.topic),
              ("hub.challenge", challenge)]
    if intent.mode == "subscribe":
        params.append(("hub.lease_seconds", str(intent.lease)))
    answer = call(with_params(intent.callback, params), "GET", {}, timeout=TIMEOUT_SECONDS,
                  allow_private=allow_private)
    return 200 <= answer.status < 300 and answer.body == challenge.encode()


def deny(intent: Intent, allow_private: bool) -> None:
    """Tell the callback that the hub will not serve its topic, and why."""
    params = [("hub.mode", "denied"), ("hub.topic", intent.topic), ("hub.reason", intent.reason)]
    call(with_params(intent.callback, params), "GET", {}, timeout=TIMEOUT_SECONDS,
         allow_private=allow_private)


def push(delivery: Delivery, document: Document, hub_url: str, allow_private: bool) -> int:
    """POST the topic's document to the callback, as a GET of the topic returns it; the
    callback's status."""
    headers = {"Content-Type": document.content_type,
               "Link": f'<{hub_url}>; rel="hub", <{delivery.topic}>; rel="self"'}
    if delivery.secret:
        headers["X-Hub-Signature"] = signature(delivery.secret, document.body)
    answer = call(delivery.callback, "POST", headers, document.body, timeout=TIMEOUT_SECONDS,
                  allow_private=allow_private)
    return answer.status


def signature(secret: str, body: bytes) -> str:
    """The X-Hub-Signature of body: sha256 HMAC keyed with the subscriber's secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def backoff(attempts: int) -> float:
    """Seconds to wait after the attempts so far failed: 1, 2, 4... up to ten minutes."""
    return float(min(2 ** min(attempts, 10), MAX_BACKOFF_SECONDS))


def with_params(url: str, params: list[tuple[str, str]]) -> str:
    """url with params added to the query it already has."""
    return f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"


def verify_and_report(intent: Intent, allow_private: bool) -> bool:
    """verify() or deny(), logged; whether the intent was confirmed."""
    try:
        if intent.mode == "denied":
            deny(intent, allow_private)
            log.info("WebSub: denied %s for %s: %s", intent.callback, intent.topic, intent.reason)
            return False
        confirmed = verify(intent, allow_private)
    except FAILURES as error:
        log.info("WebSub: %s of %s to %s not verified: %s", intent.mode, intent.callback,
                 intent.topic, error)
        return False
    if not confirmed:
        log.info("WebSub: %s of %s to %s not confirmed by the callback", intent.mode,
                 intent.callback, intent.topic)
    return confirmed


def push_and_report(delivery: Delivery, document: Document, hub_url: str,
                    allow_private: bool) -> bool:
    """push(), failures logged; whether the callback took the document."""
    try:
        status = push(delivery, document, hub_url, allow_private)
    except FAILURES as error:
        log.info("WebSub: delivery of %s to %s failed: %s", delivery.topic, delivery.callback,
                 error)
        return False
    if not 200 <= status < 300:
        log.info("WebSub: delivery of %s to %s answered %d", delivery.topic, delivery.callback,
                 status)
    return 200 <= status < 300
