"""A small WebDAV/CalDAV client over httpx: exactly the requests a push needs, and no more.

Why httpx and not the ``caldav`` library: a push lives on conditional requests. Every PUT
carries ``If-None-Match: *`` or ``If-Match: "<etag>"`` (RFC 9110 §13.1), the ETag of each
answer must be kept, and a 412 or a 409 ``no-uid-conflict`` (RFC 4791 §5.3.2.1) has to be read
and acted on. ``caldav`` 3.6 hides those: ``add_event`` PUTs without a precondition (its
``no_overwrite`` is a separate GET first, a race), returns no ETag, raises SEQUENCE unless told
not to, and a 412 surfaces as a generic exception. httpx gives the headers and the status as
they are, one pool of keep-alive connections shared by a few worker threads, timeouts per
phase, TLS verification with a custom CA, and Basic or Digest authentication; the WebDAV part
is four XML bodies, built and read with ElementTree (the stdlib parser: it resolves no
external entities, and expat ≥ 2.4.1 limits entity expansion).

Paths: a resource is known by its path on the server, percent-decoded (``/alice/cal/x@y.ics``),
so that ``x%40y.ics`` and ``x@y.ics`` in two answers are the same resource; requests encode it
again. Transient failures — timeouts, a dropped connection, 5xx, 423 Locked (Xandikos' git lock),
429 — are retried a bounded number of times with exponential backoff; then the request fails
with ``ServerUnreachableError`` or ``ServerRefusedError``. After a 423 the writes go one at a
time: the server said it cannot take them in parallel.
"""

from __future__ import annotations

import random
import ssl
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urljoin, urlsplit

import httpx

from plan2cal.errors import PlanError
from plan2cal.publish.credentials import PASSWORD_VARIABLE, Credentials, strip_userinfo
from plan2cal.publish.errors import (
    AuthenticationError,
    CertificateError,
    NotACalendarError,
    PublishError,
    ServerRefusedError,
    ServerUnreachableError,
)
from plan2cal.publish.resources import read_resource

DAV = "DAV:"
CALDAV = "urn:ietf:params:xml:ns:caldav"
CALENDARSERVER = "http://calendarserver.org/ns/"
_RETRIED_STATUSES = frozenset({423, 429, 500, 502, 503, 504})
_WRITES = frozenset({"PUT", "DELETE", "MKCALENDAR"})
_MULTIGET_BATCH = 100  # hrefs per calendar-multiget REPORT: small answers, few round trips
_PUSH_RESUMES = "; what was pushed before is recorded, and the next push finishes the job"
_MAX_RETRY_AFTER = 5.0  # seconds: a server asking for longer is treated as failing


def _tag(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"


@dataclass(frozen=True)
class Connection:
    """How to reach a server: TLS trust, credentials, limits. Shared by every request."""

    credentials: Credentials | None = None
    ca_file: Path | None = None  # trust this CA (PEM) instead of the system's authorities
    timeout: float = 30.0  # seconds per connect, read and write
    retries: int = 3  # further attempts after a transient failure
    backoff: float = 0.25  # seconds before the first retry; doubled for each further one
    workers: int = 4  # parallel requests, and connections kept alive

    def __post_init__(self) -> None:
        if self.timeout <= 0 or self.retries < 0 or self.backoff < 0 or self.workers < 1:
            raise ValueError(f"impossible connection settings: {self}")


@dataclass(frozen=True)
class Listing:
    """A calendar collection's members: each resource's path and its ETag."""

    url: str
    members: dict[str, str | None]


@dataclass(frozen=True)
class Fetched:
    """One resource as the server holds it."""

    path: str
    etag: str | None
    data: bytes


@dataclass
class _Stats:
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class WebDav:
    """The requests of a push against one server, through one pool of connections."""

    def __init__(self, url: str, connection: Connection, *, resume: str = _PUSH_RESUMES) -> None:
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise PlanError(
                f"{strip_userinfo(url)}: a calendar URL starts with https:// or http://"
            )
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.connection = connection
        self.resume = resume  # what a failure that persisted leaves, for its message
        self.stats = _Stats()
        self._auth_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._one_write_at_a_time = False
        credentials = connection.credentials
        auth = httpx.BasicAuth(credentials.user, credentials.password) if credentials else None
        self._client = httpx.Client(
            auth=auth,
            verify=_trust(connection.ca_file),
            timeout=httpx.Timeout(connection.timeout),
            limits=httpx.Limits(
                max_connections=connection.workers, max_keepalive_connections=connection.workers
            ),
            follow_redirects=False,
            headers={"User-Agent": "plan2cal"},
        )

    def __enter__(self) -> WebDav:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Close every connection of the pool."""
        self._client.close()

    # --- paths ---------------------------------------------------------------------------

    def path_of(self, href: str, base: str | None = None) -> str:
        """The decoded server path of an href (absolute, or relative to ``base``)."""
        return unquote(urlsplit(urljoin(base or self.origin + "/", href)).path)

    def url_of(self, path: str) -> str:
        """The URL of a decoded server path."""
        return self.origin + quote(path, safe="/")

    # --- requests ------------------------------------------------------------------------

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        content: bytes | None = None,
    ) -> httpx.Response:
        """Send one request, retrying transient failures; raise on failures that persist.

        A status that is not transient is returned as it is, for the caller to judge; so is a
        transient one that persisted through every retry.
        """
        attempts = self.connection.retries + 1
        for attempt in range(attempts):
            try:
                response = self._send(method, url, headers, content)
            except httpx.TransportError as exc:
                if _certificate_problem(exc):
                    raise CertificateError(
                        f"the TLS certificate of {self.origin} cannot be verified "
                        f"({_certificate_problem(exc)}): if the server uses a private "
                        "certificate authority, give its certificate as the CA file "
                        "(--ca-cert FILE)"
                    ) from None
                if attempt + 1 == attempts:
                    raise ServerUnreachableError(
                        f"{self.origin} did not answer {method} {_shown(url)} after {attempts} "
                        f"attempts ({_reason(exc)}){self.resume}"
                    ) from None
                self._sleep(attempt, None)
                continue
            with self.stats.lock:
                self.stats.requests += 1
            if response.status_code == 401 and self._upgrade_to_digest(response):
                return self.request(method, url, headers=headers, content=content)
            if response.status_code == 423:
                # Locked (RFC 4918 §11.3): this server takes one write at a time (Xandikos
                # commits each to git); from now on, send them so.
                self._one_write_at_a_time = True
            if response.status_code in _RETRIED_STATUSES and attempt + 1 < attempts:
                self._sleep(attempt, response.headers.get("Retry-After"))
                continue
            return response
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _send(
        self, method: str, url: str, headers: dict[str, str] | None, content: bytes | None
    ) -> httpx.Response:
        if self._one_write_at_a_time and method in _WRITES:
            with self._write_lock:
                return self._client.request(method, url, headers=headers, content=content)
        return self._client.request(method, url, headers=headers, content=content)

    def _sleep(self, attempt: int, retry_after: str | None) -> None:
        # Exponential backoff with jitter, so that parallel requests do not retry in step.
        delay = self.connection.backoff * 2**attempt * random.uniform(0.5, 1.5)
        if retry_after is not None and retry_after.strip().isdigit():
            delay = max(delay, min(float(retry_after), _MAX_RETRY_AFTER))
        time.sleep(delay)

    def _upgrade_to_digest(self, response: httpx.Response) -> bool:
        """Switch from Basic to Digest when the server offers only Digest (Baïkal's default)."""
        credentials = self.connection.credentials
        challenge = response.headers.get("WWW-Authenticate", "").lower()
        if credentials is None or "digest" not in challenge or "basic" in challenge:
            return False
        with self._auth_lock:
            if isinstance(self._client.auth, httpx.DigestAuth):
                return False
            self._client.auth = httpx.DigestAuth(credentials.user, credentials.password)
        return True

    # --- WebDAV and CalDAV ---------------------------------------------------------------

    def collection_token(self, url: str) -> str | None:
        """Check that ``url`` is a calendar collection; its change token, if it has one.

        The token (CalendarServer's ``getctag``, else RFC 6578's ``sync-token``) changes
        whenever anything in the collection does: while it stays the one a push recorded, the
        collection holds what that push left. Raises NotACalendarError when ``url`` is not a
        calendar collection, naming the calendars under it if it is their parent.
        """
        response = self._propfind(
            url, "0", [(DAV, "resourcetype"), (CALENDARSERVER, "getctag"), (DAV, "sync-token")]
        )
        own = self.path_of(url).rstrip("/")
        for href, props in _multistatus(response, url):
            if self.path_of(href, url).rstrip("/") != own:
                continue
            if _is_calendar(props):
                ctag = props.findtext(_tag(CALENDARSERVER, "getctag"))
                token = props.findtext(_tag(DAV, "sync-token"))
                return (ctag or token or "").strip() or None
        raise self._not_a_calendar_there(url)

    def list_members(self, url: str) -> Listing:
        """The resources of the calendar collection at ``url``, with their ETags (PROPFIND)."""
        response = self._propfind(url, "1", [(DAV, "resourcetype"), (DAV, "getetag")])
        own = self.path_of(url).rstrip("/")
        members: dict[str, str | None] = {}
        for href, props in _multistatus(response, url):
            path = self.path_of(href, url)
            types = props.find(_tag(DAV, "resourcetype"))
            if path.rstrip("/") == own or (
                types is not None and types.find(_tag(DAV, "collection")) is not None
            ):
                continue
            etag = props.findtext(_tag(DAV, "getetag"))
            members[path] = etag.strip() if etag else None
        return Listing(url, members)

    def _propfind(
        self, url: str, depth: str, properties: Sequence[tuple[str, str]]
    ) -> httpx.Response:
        propfind = ET.Element(_tag(DAV, "propfind"))
        prop = ET.SubElement(propfind, _tag(DAV, "prop"))
        for namespace, name in properties:
            ET.SubElement(prop, _tag(namespace, name))
        response = self.request(
            "PROPFIND", url, headers={"Depth": depth, **_XML}, content=_xml(propfind)
        )
        if response.status_code != 207:
            raise self._not_a_calendar(url, response)
        return response

    def _not_a_calendar_there(self, url: str) -> NotACalendarError:
        """The error for a collection that is not a calendar, naming the calendars under it."""
        response = self._propfind(url, "1", [(DAV, "resourcetype"), (DAV, "displayname")])
        calendars = [
            f"{self.url_of(self.path_of(href, url))} "
            f"({props.findtext(_tag(DAV, 'displayname')) or 'no name'})"
            for href, props in _multistatus(response, url)
            if _is_calendar(props)
        ]
        found = f"; the calendars there: {', '.join(calendars[:5])}" if calendars else ""
        return NotACalendarError(
            f"{_shown(url)} is not a calendar collection{found}. Give the URL of a calendar, "
            "or create one under this URL (--create NAME)"
        )

    def multiget(self, url: str, paths: Sequence[str]) -> list[Fetched]:
        """The resources at ``paths`` in the collection at ``url`` (calendar-multiget REPORT,
        RFC 4791 §7.9), in batches; resources gone meanwhile are left out."""
        fetched: list[Fetched] = []
        for start in range(0, len(paths), _MULTIGET_BATCH):
            report = ET.Element(_tag(CALDAV, "calendar-multiget"))
            _ask_for_data(report)
            for path in paths[start : start + _MULTIGET_BATCH]:
                ET.SubElement(report, _tag(DAV, "href")).text = quote(path, safe="/")
            fetched += self._report(url, report)
        return fetched

    def calendars_in(self, url: str) -> list[str]:
        """The URLs of the calendar collections right under ``url`` (a calendar home), in the
        server's order (PROPFIND, Depth 1)."""
        response = self._propfind(url, "1", [(DAV, "resourcetype")])
        own = self.path_of(url).rstrip("/")
        found = []
        for href, props in _multistatus(response, url):
            path = self.path_of(href, url)
            if path.rstrip("/") != own and _is_calendar(props):
                found.append(self.url_of(path))
        return found

    def all_events(self, url: str) -> list[Fetched]:
        """Every resource of the calendar collection at ``url`` that holds an event (a
        calendar-query REPORT on VEVENT with the calendar data, RFC 4791 §7.8)."""
        query = ET.Element(_tag(CALDAV, "calendar-query"))
        _ask_for_data(query)
        calendar = ET.SubElement(
            ET.SubElement(query, _tag(CALDAV, "filter")), _tag(CALDAV, "comp-filter")
        )
        calendar.set("name", "VCALENDAR")
        ET.SubElement(calendar, _tag(CALDAV, "comp-filter")).set("name", "VEVENT")
        return self._report(url, query)

    def find_uid(self, url: str, uid: str) -> Fetched | None:
        """The resource of the collection that holds ``uid``, wherever it lives (a
        calendar-query REPORT on the UID property, RFC 4791 §7.8), or None."""
        query = ET.Element(_tag(CALDAV, "calendar-query"))
        _ask_for_data(query)
        calendar = ET.SubElement(
            ET.SubElement(query, _tag(CALDAV, "filter")), _tag(CALDAV, "comp-filter")
        )
        calendar.set("name", "VCALENDAR")
        event = ET.SubElement(calendar, _tag(CALDAV, "comp-filter"))
        event.set("name", "VEVENT")
        prop_filter = ET.SubElement(event, _tag(CALDAV, "prop-filter"))
        prop_filter.set("name", "UID")
        match = ET.SubElement(prop_filter, _tag(CALDAV, "text-match"))
        match.set("collation", "i;octet")
        match.text = uid
        for found in self._report(url, query):
            if read_resource(found.data).uid == uid:  # text-match is a substring match
                return found
        return None

    def _report(self, url: str, body: ET.Element) -> list[Fetched]:
        response = self.request("REPORT", url, headers={"Depth": "1", **_XML}, content=_xml(body))
        if response.status_code != 207:
            raise self.refused(f"REPORT {_shown(url)}", response)
        fetched = []
        for href, props in _multistatus(response, url):
            data = props.findtext(_tag(CALDAV, "calendar-data"))
            if data is None:
                continue
            etag = props.findtext(_tag(DAV, "getetag"))
            fetched.append(
                Fetched(self.path_of(href, url), etag.strip() if etag else None, data.encode())
            )
        return fetched

    def get(self, path: str) -> Fetched | None:
        """The resource at ``path``, or None when there is none."""
        response = self.request("GET", self.url_of(path))
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise self.refused(f"GET {path}", response)
        return Fetched(path, response.headers.get("ETag"), response.content)

    def put(self, path: str, data: bytes, *, etag: str | None) -> httpx.Response:
        """PUT a resource: ``If-Match: etag`` to update it, ``If-None-Match: *`` to create it."""
        headers = {"Content-Type": "text/calendar; charset=utf-8"}
        if etag is None:
            headers["If-None-Match"] = "*"
        else:
            headers["If-Match"] = etag
        return self.request("PUT", self.url_of(path), headers=headers, content=data)

    def delete(self, path: str, etag: str | None) -> httpx.Response:
        """DELETE a resource, only if it is still ``etag`` when one is given."""
        headers = {"If-Match": etag} if etag else {}
        return self.request("DELETE", self.url_of(path), headers=headers)

    def make_calendar(self, url: str, name: str) -> bool:
        """Create a calendar collection for events at ``url`` (MKCALENDAR, RFC 4791 §5.3.1).

        Returns False when a calendar is already there; raises when something else is.
        """
        body = ET.Element(_tag(CALDAV, "mkcalendar"))
        prop = ET.SubElement(ET.SubElement(body, _tag(DAV, "set")), _tag(DAV, "prop"))
        ET.SubElement(prop, _tag(DAV, "displayname")).text = name
        components = ET.SubElement(prop, _tag(CALDAV, "supported-calendar-component-set"))
        ET.SubElement(components, _tag(CALDAV, "comp")).set("name", "VEVENT")
        response = self.request("MKCALENDAR", url, headers=_XML, content=_xml(body))
        if response.status_code in {200, 201}:
            return True
        if response.status_code in {405, 409, 412}:
            # Taken already (RFC 4791 §5.3.1.2: 405 or a resource-must-be-null precondition):
            # fine if it is a calendar, which collection_token checks.
            self.collection_token(url)
            return False
        raise self.refused(f"MKCALENDAR {_shown(url)}", response)

    # --- errors --------------------------------------------------------------------------

    def refused(self, what: str, response: httpx.Response) -> PublishError:
        """The error for a request the server refused, naming its answer."""
        status = response.status_code
        answer = answer_of(response)
        credentials = self.connection.credentials
        if status == 401:
            if credentials is None:
                return AuthenticationError(
                    f"{self.origin} asks for a user and a password ({answer}): name the user "
                    f"and put the password in {PASSWORD_VARIABLE}, ~/.netrc or the keyring"
                )
            return AuthenticationError(
                f"{self.origin} refused the user {credentials.user!r} ({answer}): check the "
                f"user and the password from {credentials.source}"
            )
        if status == 403:
            who = f"the user {credentials.user!r}" if credentials else "an anonymous user"
            return AuthenticationError(f"{self.origin} does not let {who} {what} ({answer})")
        if status in _RETRIED_STATUSES:
            return ServerUnreachableError(
                f"{self.origin} kept failing on {what} ({answer}){self.resume}"
            )
        return ServerRefusedError(f"{self.origin} refused {what} ({answer})")

    def _not_a_calendar(self, url: str, response: httpx.Response) -> PublishError:
        status = response.status_code
        if status in {401, 403} or status in _RETRIED_STATUSES:
            return self.refused(f"PROPFIND {_shown(url)}", response)
        if status == 404:
            return NotACalendarError(
                f"there is nothing at {_shown(url)} (404 Not Found): check the URL, or create "
                "a calendar under your calendar home (--create NAME)"
            )
        if 300 <= status < 400:
            target = response.headers.get("Location", "another address")
            return NotACalendarError(
                f"{_shown(url)} redirects to {strip_userinfo(target)} ({status}): use that URL"
            )
        return NotACalendarError(
            f"{_shown(url)} is not a calendar collection: the server answered PROPFIND with "
            f"{status} {response.reason_phrase}, so it does not speak WebDAV there"
        )


_XML = {"Content-Type": "application/xml; charset=utf-8"}


def _xml(element: ET.Element) -> bytes:
    data: bytes = ET.tostring(element, encoding="utf-8", xml_declaration=True)
    return data


def _is_calendar(props: ET.Element) -> bool:
    types = props.find(_tag(DAV, "resourcetype"))
    return types is not None and types.find(_tag(CALDAV, "calendar")) is not None


def _ask_for_data(report: ET.Element) -> None:
    prop = ET.SubElement(report, _tag(DAV, "prop"))
    ET.SubElement(prop, _tag(DAV, "getetag"))
    ET.SubElement(prop, _tag(CALDAV, "calendar-data"))


def _multistatus(response: httpx.Response, url: str) -> Iterable[tuple[str, ET.Element]]:
    """Each (href, merged successful props) of a 207 Multi-Status answer (RFC 4918 §13)."""
    try:
        root = ET.fromstring(response.content)
    except ET.ParseError as exc:
        raise ServerRefusedError(
            f"the answer to a request on {_shown(url)} is not well-formed XML ({exc})"
        ) from None
    for item in root.iter(_tag(DAV, "response")):
        href = item.findtext(_tag(DAV, "href"))
        if href is None:
            continue
        merged = ET.Element(_tag(DAV, "prop"))
        for propstat in item.iter(_tag(DAV, "propstat")):
            status = propstat.findtext(_tag(DAV, "status")) or ""
            if " 200 " not in f"{status} ":
                continue
            for prop in propstat.iter(_tag(DAV, "prop")):
                merged.extend(list(prop))
        yield href.strip(), merged


def answer_of(response: httpx.Response) -> str:
    """A server's answer for a message: ``409 Conflict: no-uid-conflict``."""
    return f"{response.status_code} {response.reason_phrase}{_detail(response)}"


def _detail(response: httpx.Response) -> str:
    """What the server said besides the status: a precondition's name or a short text."""
    body = response.content[:2000]
    if not body:
        return ""
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        text = " ".join(body.decode("utf-8", "replace").split())[:200]
        return f": {text}" if text and "<" not in text else ""
    names = [child.tag.rpartition("}")[2] for child in root]
    return f": {', '.join(names)}" if names else ""


def _trust(ca_file: Path | None) -> ssl.SSLContext | bool:
    if ca_file is None:
        return True  # httpx's default: the system store through certifi
    try:
        return ssl.create_default_context(cafile=str(ca_file))
    except (OSError, ssl.SSLError) as exc:
        raise PlanError(f"{ca_file}: cannot read it as PEM CA certificates ({exc})") from None


def _certificate_problem(exc: BaseException) -> str | None:
    """The verification failure behind a transport error, if that is what it is."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return seen.verify_message or "certificate verify failed"
        if "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return "certificate verify failed"
        seen = seen.__cause__ or seen.__context__
    return None


def _reason(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    text = str(exc) or type(exc).__name__
    return text[:200]


def _shown(url: str) -> str:
    return strip_userinfo(url)
