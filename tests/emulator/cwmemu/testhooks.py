"""State behind the /__emulator/ test hooks: request log and fault queue."""

import random
import threading

from .errors import bad_request


class RequestLog:
    """API calls as {"method","path","query","status"}, oldest first.

    Each entry also keeps details for GET /__emulator/requests/detail: the
    request headers a client is judged by (never Authorization), the
    client's TCP port (one port = one kept-alive connection) and the body.
    """

    HEADERS = ("accept", "accept-encoding", "clientid", "content-type",
               "user-agent", "pagination-type")

    def __init__(self):
        self._lock = threading.Lock()
        self._entries = []

    def add(self, method, path, query, status, headers=None, client_port=None,
            body=b""):
        entry = {"method": method, "path": path, "query": query,
                 "status": status}
        detail = dict(entry)
        detail["headers"] = {h: headers.get(h) for h in self.HEADERS
                             if headers is not None and h in headers}
        detail["client_port"] = client_port
        detail["body"] = body.decode("utf-8", "replace") if body else None
        with self._lock:
            self._entries.append((entry, detail))

    def snapshot(self, detail=False):
        with self._lock:
            return [d if detail else e for e, d in self._entries]

    def reset(self):
        with self._lock:
            self._entries.clear()


class Faults:
    """Queued failures: the next `count` matching API calls fail.

    `action` says how:
      "respond" (default)  answer `status` without doing anything;
      "reset"              close the connection without an answer, not applied;
      "apply_then_reset"   do the request, then close without an answer (the
                           client cannot tell whether it was applied);
      "apply_then_delay"   do the request, then wait `delay_ms` before the
                           answer (a client timing out cannot tell either);
      "alter"              do the request, then send its answer altered as
                           the fields below say (a hostile server).

    Fields that alter what is sent ("respond" and "alter"):
      headers        extra headers, e.g. a Link that never ends;
      raw_body       text sent as the body instead (UTF-8), or
      raw_body_b64   bytes sent as the body instead;
      content_type   instead of application/json;
      content_length the length declared, whatever is sent (then closed);
      trickle_bps    bytes per second the body is sent at (slowloris);
      gzip_bomb_mb   a gzip body that inflates to that many MB of JSON.
    """

    ACTIONS = ("respond", "reset", "apply_then_reset", "apply_then_delay",
               "alter")
    # `probability` (0..1) makes a fault strike that share of the matching
    # calls at random, for as long as its count lasts (a flaky network).
    ALTERATIONS = ("headers", "raw_body", "raw_body_b64", "content_type",
                   "content_length", "trickle_bps", "gzip_bomb_mb")

    def __init__(self):
        self._lock = threading.Lock()
        self._faults = []
        self._random = random.Random(7)  # the same faults run after run

    def add(self, spec):
        if not isinstance(spec, dict):
            raise bad_request('A fault is a JSON object.')
        action = spec.get("action", "respond")
        if action not in self.ACTIONS:
            raise bad_request(f"action must be one of {self.ACTIONS}.")
        if action == "respond" and not isinstance(spec.get("status"), int):
            raise bad_request('A fault needs at least {"status": <int>}.')
        fault = {
            "action": action,
            "delay_ms": int(spec.get("delay_ms", 0)),
            "status": spec.get("status", 0),
            "count": int(spec.get("count", 1)),
            "retry_after": int(spec.get("retry_after", 1)),
            "path_contains": spec.get("path_contains"),
            "method": (spec.get("method") or "").upper() or None,
            "body": spec.get("body"),
            "probability": float(spec.get("probability", 1.0)),
        }
        for name in self.ALTERATIONS:
            fault[name] = spec.get(name)
        if fault["count"] < 1:
            raise bad_request("count must be >= 1.")
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, method, path):
        """Consume and return the first fault matching this call, if any."""
        with self._lock:
            for fault in self._faults:
                if fault["method"] and fault["method"] != method:
                    continue
                needle = fault["path_contains"]
                if needle and needle.lower() not in path.lower():
                    continue
                if self._random.random() >= fault["probability"]:
                    continue
                fault["count"] -= 1
                if fault["count"] <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def pending(self):
        with self._lock:
            return [dict(f) for f in self._faults]

    def reset(self):
        with self._lock:
            self._faults.clear()


def fault_response(fault):
    """(status, headers, body) for a triggered fault."""
    status, headers = fault["status"], {}
    if status == 429 or (status == 503 and fault["retry_after"]):
        headers["Retry-After"] = str(fault["retry_after"])
    if fault["body"] is not None:
        return status, headers, fault["body"]
    if status == 429:
        return status, headers, {
            "error": "ConnectWiseAPI",
            "message": "Too many requests. Please try again in "
                       f"{fault['retry_after']} seconds."}
    code = {500: "InternalServerError", 502: "BadGateway",
            503: "ServiceUnavailable", 504: "GatewayTimeout"}.get(
                status, "EmulatedFault")
    message = (f"An error occurred while processing the request: timeout "
               f"expired (emulated fault, status {status}).")
    return status, headers, {"code": code, "message": message,
                             "errors": None}


def altered(fault):
    """Whether the fault changes how its answer is sent."""
    return fault is not None and any(
        fault.get(name) is not None for name in Faults.ALTERATIONS)


_bombs = {}


def gzip_bomb(mb):
    """A gzip stream inflating to a JSON array of `mb` MB of spaces."""
    import zlib
    if mb not in _bombs:
        z = zlib.compressobj(9, zlib.DEFLATED, 31)
        chunk = b" " * (1 << 20)
        parts = [z.compress(b"[")]
        parts += [z.compress(chunk) for _ in range(mb)]
        parts.append(z.compress(b"]") + z.flush())
        _bombs[mb] = b"".join(parts)
    return _bombs[mb]
