"""A CalDAV collection held in memory, for timing plan2cal's own share of a large push.

Radicale checks a new resource's UID against every resource of the collection on each create
(``storage.has_uid`` reads them all), so a first push into it grows with the square of the
number of events, and its time says more about Radicale than about plan2cal. This server does
just what a push asks of one collection — PROPFIND (Depth 0 and 1), calendar-multiget and
calendar-query REPORTs, conditional PUT and DELETE with ETags — in constant time per request,
so that the time left is the client's: rendering, planning, HTTP and the push state.

Not a CalDAV server for anything else: one user, no authentication, one collection.
"""

from __future__ import annotations

import hashlib
import threading
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, unquote, urlsplit

COLLECTION = "/cal/"
_MULTISTATUS = (
    '<?xml version="1.0" encoding="utf-8"?>\n<d:multistatus xmlns:d="DAV:" '
    'xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:cs="http://calendarserver.org/ns/">'
    "{}</d:multistatus>"
)


class MemoryCalDav:
    """The server: start(), its ``url``, stop()."""

    def __init__(self) -> None:
        self.items: dict[str, tuple[str, bytes]] = {}  # decoded path → (etag, data)
        self.version = 0
        self.lock = threading.Lock()
        store = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _answer(
                self, status: int, body: bytes = b"", headers: dict[str, str] | None = None
            ) -> None:
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_PROPFIND(self) -> None:
                self._body()
                path = unquote(urlsplit(self.path).path)
                if path != COLLECTION:
                    self._answer(404)
                    return
                with store.lock:
                    responses = [
                        f"<d:response><d:href>{COLLECTION}</d:href><d:propstat><d:prop>"
                        "<d:resourcetype><d:collection/><c:calendar/></d:resourcetype>"
                        f"<cs:getctag>{store.version}</cs:getctag></d:prop>"
                        "<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>"
                    ]
                    if self.headers.get("Depth") == "1":
                        responses += [
                            f"<d:response><d:href>{quote(href)}</d:href><d:propstat><d:prop>"
                            f"<d:resourcetype/><d:getetag>{etag}</d:getetag></d:prop>"
                            "<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>"
                            for href, (etag, _) in store.items.items()
                        ]
                body = _MULTISTATUS.format("".join(responses)).encode()
                self._answer(207, body, {"Content-Type": "application/xml; charset=utf-8"})

            def do_REPORT(self) -> None:
                root = ET.fromstring(self._body())
                with store.lock:
                    if root.tag.endswith("calendar-multiget"):
                        hrefs = [unquote(h.text or "") for h in root.iter("{DAV:}href")]
                    else:  # calendar-query on a UID
                        match = next(root.iter("{urn:ietf:params:xml:ns:caldav}text-match"))
                        needle = f"UID:{match.text}".encode()
                        hrefs = [h for h, (_, data) in store.items.items() if needle in data]
                    found = [(h, store.items[h]) for h in hrefs if h in store.items]
                responses = "".join(
                    f"<d:response><d:href>{quote(href)}</d:href><d:propstat><d:prop>"
                    f"<d:getetag>{etag}</d:getetag><c:calendar-data>"
                    f"{data.decode().replace('&', '&amp;').replace('<', '&lt;')}"
                    "</c:calendar-data></d:prop><d:status>HTTP/1.1 200 OK</d:status>"
                    "</d:propstat></d:response>"
                    for href, (etag, data) in found
                )
                body = _MULTISTATUS.format(responses).encode()
                self._answer(207, body, {"Content-Type": "application/xml; charset=utf-8"})

            def do_PUT(self) -> None:
                data = self._body()
                path = unquote(urlsplit(self.path).path)
                with store.lock:
                    current = store.items.get(path)
                    if self.headers.get("If-None-Match") == "*" and current is not None:
                        self._answer(412)
                        return
                    expected = self.headers.get("If-Match")
                    if expected is not None and (current is None or current[0] != expected):
                        self._answer(412)
                        return
                    etag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
                    store.items[path] = (etag, data)
                    store.version += 1
                self._answer(201 if current is None else 204, headers={"ETag": etag})

            def do_DELETE(self) -> None:
                path = unquote(urlsplit(self.path).path)
                with store.lock:
                    current = store.items.get(path)
                    expected = self.headers.get("If-Match")
                    if current is not None and expected is not None and current[0] != expected:
                        self._answer(412)
                        return
                    store.items.pop(path, None)
                    store.version += 1
                self._answer(204 if current else 404)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}{COLLECTION}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> MemoryCalDav:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


if __name__ == "__main__":
    # A process of its own, so that the server does not share the client's interpreter lock:
    # prints its collection URL, then serves until killed.
    server = MemoryCalDav()
    print(server.url, flush=True)
    server._server.serve_forever()
