"""A fake Google Places API (New) for LEADGEN_PLACES_URL, speaking its real
protocol as far as leadgen uses it:

    POST /v1/places:searchText   body {"textQuery", "pageSize", "pageToken"?, ...}
    GET  /v1/places/{id}         (?languageCode=)

Like Google it requires the X-Goog-Api-Key header (a wrong key is 400
INVALID_ARGUMENT / API_KEY_INVALID) and the X-Goog-FieldMask header (missing is
400 INVALID_ARGUMENT), answers {} for a search without results, and trims each
place to the top-level fields named in the mask. Errors use Google's envelope
{"error": {"code", "message", "status"}}. Every request is recorded.

    with PlacesApi(key="k") as api:
        api.add_place(place("p1", "Joe's Pizza"))
        api.set_results("pizza", [["p1", "p2"], ["p3"]])   # two pages
"""
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from fakes import serve_in_thread


class _Server(ThreadingHTTPServer):
    """A backlog of 5 (the default) drops SYNs under concurrent clients, whose
    retries then wait a second: keep it large, like a real server."""
    request_queue_size = 128
    daemon_threads = True



def place(pid, name, **extra):
    """A realistic Places API (New) place object."""
    p = {
        "id": pid,
        "displayName": {"text": name, "languageCode": "en"},
        "formattedAddress": "%s Main St, New York, NY 10001, USA" % (len(pid) * 7),
        "nationalPhoneNumber": "(212) 555-01%02d" % (len(name) % 100),
        "internationalPhoneNumber": "+1 212-555-01%02d" % (len(name) % 100),
        "websiteUri": "https://%s.example.com/" % pid.lower(),
        "rating": 4.5,
        "userRatingCount": 120,
        "types": ["restaurant", "food", "point_of_interest", "establishment"],
        "location": {"latitude": 40.7128, "longitude": -74.006},
        "businessStatus": "OPERATIONAL",
        "googleMapsUri": "https://maps.google.com/?cid=%d" % (abs(hash(pid)) % 10**12),
        "regularOpeningHours": {"weekdayDescriptions": ["Monday: 9:00 AM - 5:00 PM"]},
        "reviews": [],
    }
    p.update(extra)
    return p


def review(author, rating, text, when, lang="en"):
    return {
        "name": "places/x/reviews/%s" % author,
        "relativePublishTimeDescription": "a month ago",
        "rating": rating,
        "text": {"text": text, "languageCode": lang},
        "originalText": {"text": text, "languageCode": lang},
        "authorAttribution": {"displayName": author,
                              "uri": "https://www.google.com/maps/contrib/%s" % author,
                              "photoUri": "https://lh3.googleusercontent.com/a/%s" % author},
        "publishTime": when,
    }


class PlacesApi:
    def __init__(self, key="test-places-key"):
        self.key = key
        self.places = {}      # id -> place object
        self.results = {}     # textQuery -> [[ids of page 1], [ids of page 2], ...]
        self.failing = set()  # ids whose Details call answers 500
        self.search_error = {}  # textQuery -> (http status, google status, message)
        self.delay = 0.0      # seconds every answer waits
        self.requests = []    # {"method", "path", "query", "headers", "json"}
        self._lock = threading.Lock()
        self._httpd = None

    # -- set-up

    def add_place(self, p):
        self.places[p["id"]] = p

    def set_results(self, query, pages):
        self.results[query] = pages

    # -- what was asked

    def details_calls(self):
        with self._lock:
            return [r["path"].rsplit("/", 1)[-1] for r in self.requests
                    if r["method"] == "GET" and r["path"].startswith("/v1/places/")]

    def searches(self):
        with self._lock:
            return [r for r in self.requests if r["path"] == "/v1/places:searchText"]

    def clear(self):
        with self._lock:
            self.requests.clear()

    # -- serving

    def __enter__(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _answer(self, status, doc):
                body = json.dumps(doc).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _error(self, status, google_status, message, reason=None):
                error = {"code": status, "message": message, "status": google_status}
                if reason:
                    error["details"] = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                                         "reason": reason, "domain": "googleapis.com"}]
                self._answer(status, {"error": error})

            def _record(self, payload):
                url = urllib.parse.urlsplit(self.path)
                with api._lock:
                    api.requests.append({"method": self.command, "path": url.path,
                                         "query": urllib.parse.parse_qs(url.query),
                                         "headers": dict(self.headers), "json": payload})
                return url

            def _checked(self):
                """Google's header checks; False when an error was sent."""
                if self.headers.get("X-Goog-Api-Key") != api.key:
                    self._error(400, "INVALID_ARGUMENT",
                                "API key not valid. Please pass a valid API key.",
                                "API_KEY_INVALID")
                    return False
                if not self.headers.get("X-Goog-FieldMask"):
                    self._error(400, "INVALID_ARGUMENT",
                                "FieldMask is a required parameter. See how to create a field "
                                "mask at https://developers.google.com/maps/documentation/"
                                "places/web-service/choose-fields.")
                    return False
                return True

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    payload = json.loads(raw)
                except ValueError:
                    payload = None
                url = self._record(payload)
                time.sleep(api.delay)
                if url.path != "/v1/places:searchText":
                    return self._error(404, "NOT_FOUND", "Method not found.")
                if not self._checked():
                    return
                if not isinstance(payload, dict) or not payload.get("textQuery"):
                    return self._error(400, "INVALID_ARGUMENT", "Missing textQuery.")
                query = payload["textQuery"]
                if query in api.search_error:
                    status, gstatus, message = api.search_error[query]
                    return self._error(status, gstatus, message)
                pages = api.results.get(query, [])
                token = payload.get("pageToken")
                index = int(token.split("-")[1]) if token and token.startswith("page-") else 0
                if index >= len(pages) or not pages[index]:
                    return self._answer(200, {})  # Google's answer for no results
                doc = {"places": [{"id": pid} for pid in pages[index]]}
                if index + 1 < len(pages):
                    doc["nextPageToken"] = "page-%d" % (index + 1)
                self._answer(200, doc)

            def do_GET(self):
                url = self._record(None)
                time.sleep(api.delay)
                if not url.path.startswith("/v1/places/"):
                    return self._error(404, "NOT_FOUND", "Method not found.")
                if not self._checked():
                    return
                pid = url.path.rsplit("/", 1)[-1]
                if pid in api.failing:
                    return self._error(500, "INTERNAL", "Internal error encountered.")
                p = api.places.get(pid)
                if not p:
                    return self._error(404, "NOT_FOUND",
                                       "It looks like the place ID is no longer valid.")
                fields = {f.split(".")[0] for f in self.headers["X-Goog-FieldMask"].split(",")}
                self._answer(200, {k: v for k, v in p.items() if k in fields or "*" in fields})

        self._httpd = _Server(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        serve_in_thread(self._httpd)
        self.url = "http://127.0.0.1:%d" % self._httpd.server_address[1]
        return self

    def __exit__(self, *exc):
        self._httpd.shutdown()
        self._httpd.server_close()
        return False
