"""A fake OpenAI-compatible chat-completions server for LEADGEN_AI_URL.

    POST /v1/chat/completions  (Authorization: Bearer KEY)

It records every request and answers from a script: each queued answer is
consumed by one request (the last one repeats). An answer is one of
    content(text)           200 with choices[0].message.content = text
    refusal(text)           200 with message.refusal = text, content null
    status(code, message)   that HTTP status with OpenAI's error envelope
    sleep(seconds)          waits, then answers with the next scripted answer
A wrong or missing bearer token gets OpenAI's 401 invalid_api_key answer.
"""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from fakes import serve_in_thread


class _Server(ThreadingHTTPServer):
    """A backlog of 5 (the default) drops SYNs under concurrent clients, whose
    retries then wait a second: keep it large, like a real server."""
    request_queue_size = 128
    daemon_threads = True



def content(text):
    return ("content", text)


def refusal(text):
    return ("refusal", text)


def status(code, message):
    return ("status", code, message)


def sleep(seconds, then):
    return ("sleep", seconds, then)


def steps_json(n, first_delay=0, subject="{Hi|Hello} {{firstname|there}}",
               body="<p>Hi {{firstname|there}}, quick question about {{company|your team}}.</p>"):
    steps = [{"subject": subject if i == 0 else "Re: " + subject,
              "body": body, "delay_days": first_delay if i == 0 else 3 + i}
             for i in range(n)]
    return json.dumps({"steps": steps})


class OpenAiServer:
    def __init__(self, key="sk-test"):
        self.key = key
        self.script = [content(steps_json(3))]
        self.requests = []
        self._lock = threading.Lock()

    def answer_with(self, *answers):
        with self._lock:
            self.script = list(answers)

    def _next(self):
        with self._lock:
            return self.script.pop(0) if len(self.script) > 1 else self.script[0]

    def __enter__(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _send(self, code, doc):
                body = json.dumps(doc).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _completion(self, message, model):
                return {"id": "chatcmpl-test", "object": "chat.completion",
                        "created": int(time.time()), "model": model,
                        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                        "usage": {"prompt_tokens": 10, "completion_tokens": 10,
                                  "total_tokens": 20}}

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    payload = json.loads(raw)
                except ValueError:
                    payload = None
                with fake._lock:
                    fake.requests.append({"path": self.path, "headers": dict(self.headers),
                                          "json": payload})
                if self.path != "/v1/chat/completions":
                    return self._send(404, {"error": {"message": "Unknown path",
                                                      "type": "invalid_request_error"}})
                if self.headers.get("Authorization") != "Bearer " + fake.key:
                    return self._send(401, {"error": {
                        "message": "Incorrect API key provided.",
                        "type": "invalid_request_error", "code": "invalid_api_key"}})
                answer = fake._next()
                while answer[0] == "sleep":
                    time.sleep(answer[1])
                    answer = answer[2]
                model = (payload or {}).get("model", "")
                if answer[0] == "content":
                    msg = {"role": "assistant", "content": answer[1], "refusal": None}
                    return self._send(200, self._completion(msg, model))
                if answer[0] == "refusal":
                    msg = {"role": "assistant", "content": None, "refusal": answer[1]}
                    return self._send(200, self._completion(msg, model))
                self._send(answer[1], {"error": {"message": answer[2], "type": "server_error"}})

        self._httpd = _Server(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        serve_in_thread(self._httpd)
        self.url = "http://127.0.0.1:%d/v1" % self._httpd.server_address[1]
        return self

    def __exit__(self, *exc):
        self._httpd.shutdown()
        self._httpd.server_close()
        return False
