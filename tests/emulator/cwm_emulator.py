#!/usr/bin/env python3
"""ConnectWise Manage REST API emulator (System module) for cwmfs tests.

Serves /{codebase}apis/3.0/system/... in one of two dialects
(cwmemu/dialects.py):
  real (default)  the real ConnectWise server, as shared/reference/
                  connectwise-api.md and seed-vs-real.md describe it;
  seed            the user's description (system-api-seed.md).
Both have Basic auth plus clientId, Link paging, forward-only paging, the
conditions language, orderBy, fields, JSON Patch, validation errors and
the audit trail. Test hooks live under /__emulator/ (no auth, not recorded
in the request log): health, requests, faults, latency, objects, codebase.

CLI:   python3 cwm_emulator.py --port 0 --port-file F [--dialect seed] ...
Tests: server, thread = start_server(members=10, dialect="seed"); ...;
       stop_server(server)
"""

import argparse
import base64
import gzip
import json
import os
import re
import signal
import socket
import struct
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cwmemu.api import Api, Context, Response  # noqa: E402
from cwmemu.dialects import DIALECTS, get_dialect  # noqa: E402
from cwmemu.errors import ApiError, bad_request, not_found  # noqa: E402
from cwmemu.store import Store  # noqa: E402
from cwmemu.testhooks import (Faults, RequestLog, altered,  # noqa: E402
                              fault_response, gzip_bomb)
from cwmemu.versions import CURRENT_API_VERSION as API_VERSION  # noqa: E402

DEFAULTS = {
    "company": "demo", "public_key": "demopub", "private_key": "demopriv",
    "client_id": "00000000-0000-4000-8000-000000000000",
    "codebase": "v4_6_release/", "members": 40, "seed": 1, "latency_ms": 0,
    "verbose": False, "dialect": "real", "tls_cert": None, "tls_key": None,
}


def dumps(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


# --------------------------------------------------------------------------
# HTTP


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "cwm-emulator/1.0"

    def log_message(self, fmt, *args):
        if self.server.options["verbose"]:
            super().log_message(fmt, *args)

    def do_GET(self):
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def _read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _handle(self):
        method = self.command
        raw_path, _, raw_query = self.path.partition("?")
        try:
            body = self._read_body()
        except ValueError:
            self._send(Response(400, {"code": "InvalidObject", "message":
                                      "Malformed request body framing.",
                                      "errors": None}))
            self.close_connection = True
            return
        # Split on "/" first, then percent-decode, so "%2F" stays inside
        # one segment (identifiers may contain "/").
        segments = [unquote(s) for s in raw_path.split("/")[1:]]
        if segments and segments[-1] == "" and len(segments) > 1:
            segments.pop()  # tolerate one trailing slash
        if segments and segments[0] == "__emulator":
            if method != "GET" and segments[1:3] != ["requests", "reset"]:
                self.server.answers.clear()  # objects, codebase, faults...
            response = self.server.hooks.handle(method, segments[1:], body)
            self._send(response)
            return
        fault = self.server.faults.take(method, raw_path)
        action = fault["action"] if fault else "respond"
        if action == "reset":
            self._reset(method, raw_path, raw_query, body, applied=False)
            return
        if fault and action == "respond":
            status, headers, fault_body = fault_response(fault)
            response = Response(status, fault_body, headers)
        else:
            response = self._api(method, raw_path, raw_query, segments, body)
        self.server.request_log.add(method, raw_path, raw_query,
                                    response.status, self.headers,
                                    self.client_address[1], body)
        if action == "apply_then_reset":
            self._reset(method, raw_path, raw_query, body, applied=True)
            return
        if action == "apply_then_delay":
            time.sleep(fault["delay_ms"] / 1000.0)
        if altered(fault):
            self._send_altered(response, fault)
        else:
            self._send(response)

    def _send_altered(self, response, fault):
        """Sends response as a hostile server would (Faults.ALTERATIONS)."""
        payload = getattr(response, "payload", None)
        if fault["raw_body_b64"] is not None:
            payload = base64.b64decode(fault["raw_body_b64"])
        elif fault["raw_body"] is not None:
            payload = fault["raw_body"].encode("utf-8")
        elif payload is None:
            payload = b"" if response.status == 204 else \
                dumps(response.body).encode("utf-8")
        self.send_response(response.status)
        if fault["gzip_bomb_mb"]:
            payload = gzip_bomb(int(fault["gzip_bomb_mb"]))
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Type", fault["content_type"] or
                         "application/json; charset=utf-8")
        length = fault["content_length"]
        self.send_header("Content-Length",
                         str(len(payload) if length is None else length))
        for name, value in {**response.headers,
                            **(fault["headers"] or {})}.items():
            self.send_header(name, value)
        self.end_headers()
        try:
            if fault["trickle_bps"]:
                pause = 1.0 / float(fault["trickle_bps"])
                for i in range(len(payload)):
                    self.wfile.write(payload[i:i + 1])
                    self.wfile.flush()
                    time.sleep(pause)
            else:
                self.wfile.write(payload)
        except OSError:
            pass  # the client gave up, as it should
        if length is not None:
            self.close_connection = True

    def _reset(self, method, raw_path, raw_query, body, applied):
        """Drops the connection with no answer (an RST, as a crashed proxy
        would); the log says whether the request was applied."""
        if not applied:
            self.server.request_log.add(method, raw_path, raw_query, 0,
                                        self.headers, self.client_address[1],
                                        body)
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
        except OSError:
            pass

    def _api(self, method, raw_path, raw_query, segments, body):
        server = self.server
        try:
            latency = server.options["latency_ms"]
            if latency:
                time.sleep(latency / 1000.0)
            lower = [s.lower() for s in segments]
            if len(lower) == 3 and lower[:2] == ["login", "companyinfo"]:
                return self._company_info(segments[2])
            codebase = server.options["codebase"].strip("/").lower()
            if lower[:4] != [codebase, "apis", "3.0", "system"]:
                # Another codebase (e.g. after a move) or another module.
                raise server.dialect.unknown_endpoint(raw_path)
            host = self.headers.get("Host") or server.authority
            ctx = Context(self.headers, host, method, raw_path, raw_query,
                          body)
            ctx.actor_id = self._authenticate()
            key = (raw_path, raw_query, ctx.actor_id, host,
                   self.headers.get("Accept"))
            with server.store.lock:
                hit = server.answers.get(key) if method == "GET" else None
                if hit is not None:
                    return hit
                if method != "GET":
                    server.answers.clear()
                response = server.api.dispatch(ctx, segments[4:])
                # Serialise while still locked: the objects are live.
                response.payload = None if response.status == 204 else \
                    dumps(response.body).encode("utf-8")
                if method == "GET" and response.status == 200:
                    server.answers.put(key, response)
            return response
        except ApiError as exc:
            return Response(exc.status, exc.body(), exc.headers)
        except Exception as exc:  # keep serving; report like ConnectWise
            import traceback
            traceback.print_exc()
            return Response(500, {"code": "InternalServerError",
                                  "message": f"{type(exc).__name__}: {exc}",
                                  "errors": None})

    def _company_info(self, company):
        options = self.server.options
        if company.lower() != options["company"].lower():
            return Response(200, None)  # unknown company: a null body
        return Response(200, {
            "CompanyName": f"{options['company']} (emulated)",
            "Codebase": options["codebase"],
            "VersionCode": f"v{API_VERSION}",
            "VersionNumber": f"v4.6.{API_VERSION}",
            "CompanyID": options["company"],
            "IsCloud": False,
            "SiteUrl": self.server.authority,
        })

    def _authenticate(self):
        """The acting member id, or a 401 like ConnectWise's."""
        def refuse(message):
            return ApiError(401, "Unauthorized", message)

        options = self.server.options
        header = self.headers.get("Authorization")
        if not header:
            raise refuse("Authorization has been denied for this request: "
                         "no Authorization header. Send Basic "
                         "base64(companyId+publicKey:privateKey).")
        scheme, _, encoded = header.strip().partition(" ")
        if scheme.lower() != "basic":
            raise refuse("Authorization has been denied for this request: "
                         "only Basic authentication is supported.")
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True) \
                .decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            raise refuse("Authorization has been denied for this request: "
                         "the Basic credentials are not valid base64.") \
                from None
        user, colon, private_key = decoded.partition(":")
        company, plus, public_key = user.partition("+")
        if not colon or not plus:
            raise refuse("Authorization has been denied for this request: "
                         "credentials must be companyId+publicKey:"
                         "privateKey.")
        actor = None
        if company.lower() == options["company"].lower():
            actor = self.server.store.authenticate(public_key, private_key)
        if actor is None:
            raise refuse("Authorization has been denied for this request: "
                         "invalid company or API keys.")
        client_id = self.headers.get("clientId")
        if not client_id:
            raise refuse("The clientId header is required on every API "
                         "call (since ConnectWise 2019.3).")
        if client_id.strip().lower() != options["client_id"].lower():
            raise refuse(f"The clientId '{client_id}' is not registered.")
        return actor

    def _send(self, response):
        headers = dict(response.headers)
        payload = getattr(response, "payload", None)
        if payload is None and response.status != 204:
            payload = dumps(response.body).encode("utf-8")
        gzipped = getattr(response, "gzipped", None)
        self.send_response(response.status)
        self.send_header("api-current-version", API_VERSION)
        self.send_header("x-cw-request-id", str(uuid.uuid4()))
        self.send_header("x-server-name", "cwm-emulator")
        if response.status != 204:
            if "gzip" in self.headers.get("Accept-Encoding", "").lower():
                if gzipped is None:
                    gzipped = gzip.compress(payload, compresslevel=5, mtime=0)
                    response.gzipped = gzipped  # kept with a memoised answer
                payload = gzipped
                self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
            self.send_header("Content-Type",
                             "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if response.status != 204:
            self.wfile.write(payload)


class Answers:
    """GET answers (serialised, and gzipped once asked) until anything
    changes: any other method or any hook clears them all."""

    LIMIT = 256

    def __init__(self):
        self.lock = threading.Lock()
        self.held = {}

    def get(self, key):
        with self.lock:
            return self.held.get(key)

    def put(self, key, response):
        with self.lock:
            if len(self.held) >= self.LIMIT:
                self.held.clear()
            self.held[key] = response

    def clear(self):
        with self.lock:
            self.held.clear()


class Hooks:
    """/__emulator/...: test controls, no auth, never logged."""

    def __init__(self, server):
        self.server = server

    def handle(self, method, segments, body):
        try:
            return self._route(method, segments, body)
        except ApiError as exc:
            return Response(exc.status, exc.body(), exc.headers)
        except Exception as exc:  # a bad hook call must not kill the server
            return Response(500, {"code": "InternalServerError",
                                  "message": f"{type(exc).__name__}: {exc}",
                                  "errors": None})

    def _json(self, body):
        try:
            return json.loads(body.decode("utf-8") or "null")
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise bad_request(f"The request body is not valid JSON: {exc}.") \
                from None

    # (method, first two path segments) -> handler(self, body)
    ROUTES = {
        ("GET", "health"): "_health",
        ("POST", "codebase"): "_codebase",
        ("GET", "requests"): "_requests",
        ("GET", "requests/detail"): "_requests_detail",
        ("POST", "requests/reset"): "_requests_reset",
        ("POST", "faults"): "_add_fault",
        ("GET", "faults"): "_faults",
        ("POST", "faults/reset"): "_faults_reset",
        ("POST", "latency"): "_latency",
    }

    def _route(self, method, seg, body):
        name = self.ROUTES.get((method, "/".join(seg[:2]).lower()))
        if name:
            return getattr(self, name)(body)
        if seg and seg[0].lower() == "objects" and len(seg) >= 2:
            response = self._objects(method, seg[1:], body)
            if response:
                return response
        raise not_found(f"Unknown emulator hook {method} "
                        f"/__emulator/{'/'.join(seg)}")

    def _health(self, body):
        server = self.server
        return Response(200, {"ok": True, "dialect": server.dialect.name,
                              "codebase": server.options["codebase"]})

    def _codebase(self, body):
        return Response(200, self.server.move_codebase(self._json(body)))

    def _requests(self, body):
        return Response(200, self.server.request_log.snapshot())

    def _requests_detail(self, body):
        return Response(200, self.server.request_log.snapshot(detail=True))

    def _requests_reset(self, body):
        self.server.request_log.reset()
        return Response(204)

    def _add_fault(self, body):
        return Response(201, self.server.faults.add(self._json(body)))

    def _faults(self, body):
        return Response(200, self.server.faults.pending())

    def _faults_reset(self, body):
        self.server.faults.reset()
        return Response(204)

    def _latency(self, body):
        spec = self._json(body)
        if not isinstance(spec, dict) or not isinstance(spec.get("ms"), int):
            raise bad_request('Send {"ms": <int>}.')
        self.server.options["latency_ms"] = spec["ms"]
        return Response(200, {"ms": spec["ms"]})

    def _objects(self, method, rest, body):
        """objects/<collection>: POST inserts; PATCH/DELETE .../<id>."""
        store = self.server.store
        if method == "POST":
            return Response(201, store.raw_insert("/".join(rest),
                                                  self._json(body)))
        if method in ("PATCH", "DELETE") and len(rest) >= 2 and \
                rest[-1].isdigit():
            key, obj_id = "/".join(rest[:-1]), int(rest[-1])
            if method == "DELETE":
                store.raw_delete(key, obj_id)
                return Response(204)
            return Response(200, store.raw_merge(key, obj_id,
                                                 self._json(body)))
        return None


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False
    # socketserver's backlog of 5 drops the SYNs of a client opening more
    # connections at once (cwmfs opens up to 16), which then wait a second
    # to try again: the emulator must never be what a benchmark measures.
    request_queue_size = 128

    def __init__(self, host="127.0.0.1", port=0, **options):
        unknown = set(options) - set(DEFAULTS)
        if unknown:
            raise TypeError(f"unknown emulator options: {sorted(unknown)}")
        self.options = {**DEFAULTS, **options}
        self.dialect = get_dialect(self.options["dialect"])
        self.options["dialect"] = self.dialect.name
        codebase = _normal_codebase(self.options["codebase"])
        self.options["codebase"] = codebase
        super().__init__((host, port), Handler)
        scheme = "http"
        if self.options["tls_cert"]:
            # HTTPS with the given certificate (tests of certificate checks)
            import ssl
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self.options["tls_cert"],
                                    self.options["tls_key"])
            self.socket = context.wrap_socket(self.socket, server_side=True)
            scheme = "https"
        self.port = self.server_address[1]
        url_host = host if host not in ("", "0.0.0.0", "::") else "127.0.0.1"
        self.authority = f"{url_host}:{self.port}"
        self.base_url = f"{scheme}://{self.authority}"
        self.api_base = f"{self.base_url}/{codebase}apis/3.0"
        self.store = Store(seed=self.options["seed"],
                           members=self.options["members"],
                           api_base=self.api_base,
                           public_key=self.options["public_key"],
                           private_key=self.options["private_key"],
                           dialect=self.dialect.name)
        self.api = Api(self.store, self.dialect)
        # GET answers are computed once per state of the data: a benchmark
        # must measure the client, not this emulator re-serialising pages.
        self.answers = Answers()
        self.hooks = Hooks(self)
        self.request_log = RequestLog()
        self.faults = Faults()

    def move_codebase(self, spec):
        """Hook: the cloud moved to another codebase (e.g. v2025_2/). The
        old codebase's API paths 404 from now on; companyinfo answers the
        new one; hrefs in stored objects follow."""
        if not isinstance(spec, dict) or not isinstance(
                spec.get("codebase"), str) or not _CODEBASE_RE.match(
                    spec["codebase"]):
            raise bad_request('Send {"codebase": "v2025_2/"} (letters, '
                              'digits, "_" and ".", then an optional "/").')
        codebase = _normal_codebase(spec["codebase"])
        old_base = self.api_base
        self.options["codebase"] = codebase
        self.api_base = f"{self.base_url}/{codebase}apis/3.0"
        self.store.rebase(old_base, self.api_base)
        return {"codebase": codebase}


_CODEBASE_RE = re.compile(r"^[A-Za-z0-9_.]+/?$")


def _normal_codebase(text):
    return text.strip("/") + "/"


def start_server(host="127.0.0.1", port=0, **options):
    """Start an emulator on a daemon thread -> (server, thread).

    `server.base_url`, `server.api_base` and `server.port` tell where it
    listens; stop it with stop_server(server).
    """
    server = EmulatorServer(host, port, **options)
    thread = threading.Thread(target=server.serve_forever,
                              kwargs={"poll_interval": 0.1},
                              name="cwm-emulator", daemon=True)
    thread.start()
    return server, thread


def stop_server(server):
    server.shutdown()
    server.server_close()


def _write_port_file(path, port):
    """Write atomically so a poller never reads a half-written file."""
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w") as f:
        f.write(f"{port}\n")
    os.replace(tmp, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0,
                        help="0 picks an ephemeral port")
    parser.add_argument("--port-file",
                        help="write the bound port here (atomically)")
    parser.add_argument("--members", type=int, default=DEFAULTS["members"])
    parser.add_argument("--seed", type=int, default=DEFAULTS["seed"])
    parser.add_argument("--company", default=DEFAULTS["company"])
    parser.add_argument("--public-key", default=DEFAULTS["public_key"])
    parser.add_argument("--private-key", default=DEFAULTS["private_key"])
    parser.add_argument("--client-id", default=DEFAULTS["client_id"])
    parser.add_argument("--codebase", default=DEFAULTS["codebase"])
    parser.add_argument("--dialect", choices=sorted(DIALECTS),
                        default=DEFAULTS["dialect"],
                        help="real: the real ConnectWise server (default); "
                             "seed: the user's description")
    parser.add_argument("--latency-ms", type=int, default=0,
                        help="delay every API response (benchmarks)")
    parser.add_argument("--tls-cert", help="serve HTTPS with this "
                        "certificate (PEM); --tls-key is its key")
    parser.add_argument("--tls-key")
    parser.add_argument("--verbose", action="store_true",
                        help="log every request to stderr")
    parser.add_argument("--routes", action="store_true",
                        help="print the dialect's routes (below /system) "
                             "and exit")
    args = parser.parse_args(argv)
    if args.routes:
        print("\n".join(get_dialect(args.dialect).routes.describe()))
        return 0

    server = EmulatorServer(
        args.host, args.port, members=args.members, seed=args.seed,
        company=args.company, public_key=args.public_key,
        private_key=args.private_key, client_id=args.client_id,
        codebase=args.codebase, latency_ms=args.latency_ms,
        verbose=args.verbose, dialect=args.dialect, tls_cert=args.tls_cert,
        tls_key=args.tls_key)

    def stop(signum, frame):
        # shutdown() blocks until serve_forever returns: not on this thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.port_file:
        _write_port_file(args.port_file, server.port)
    print(f"cwm-emulator ({server.dialect.name} dialect) listening on "
          f"{server.api_base}/system/",
          file=sys.stderr, flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
