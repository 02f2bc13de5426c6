#!/usr/bin/env python3
"""ConnectWise Manage REST API emulator (System module) for cwmfs tests.

Serves /{codebase}apis/3.0/system/... the way the real server behaves
(see shared/reference/connectwise-api.md): Basic auth plus clientId, Link
paging, forward-only paging, the conditions language, orderBy, fields,
JSON Patch, validation errors, audit trail. Test hooks live under
/__emulator/ (no auth, not recorded in the request log).

CLI:   python3 cwm_emulator.py --port 0 --port-file F [--members N] ...
Tests: server, thread = start_server(members=10); ...; stop_server(server)
"""

import argparse
import base64
import gzip
import json
import os
import signal
import socket
import struct
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cwmemu import data  # noqa: E402
from cwmemu.errors import ApiError, bad_request, not_found  # noqa: E402
from cwmemu.query import (ListQuery, apply_fields, filter_items,  # noqa: E402
                          run_list_query)
from cwmemu.store import AUDIT_TYPES, Store  # noqa: E402
from cwmemu.testhooks import Faults, RequestLog, fault_response  # noqa: E402

API_VERSION = "2025.8"
DEFAULTS = {
    "company": "demo", "public_key": "demopub", "private_key": "demopriv",
    "client_id": "00000000-0000-4000-8000-000000000000",
    "codebase": "v4_6_release/", "members": 40, "seed": 1, "latency_ms": 0,
    "verbose": False,
}


def dumps(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


class Response:
    def __init__(self, status, body=None, headers=None):
        self.status = status
        self.body = body          # JSON-able; ignored for 204
        self.headers = headers or {}


class Context:
    """One API request, parsed."""

    def __init__(self, handler, method, raw_path, raw_query, body):
        self.method = method
        self.raw_path = raw_path
        self.raw_query = raw_query
        self.headers = handler.headers
        self.raw_body = body
        self.params = {k.lower(): v[0] for k, v in
                       parse_qs(raw_query, keep_blank_values=True).items()}
        host = handler.headers.get("Host") or handler.server.authority
        self.link_base = f"http://{host}{raw_path}"
        self.forward_only = (handler.headers.get("pagination-type", "")
                             .strip().lower() == "forward-only")
        self.actor_id = None

    def json(self):
        try:
            return json.loads(self.raw_body.decode("utf-8") or "null")
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise bad_request(f"The request body is not valid JSON: {exc}.") \
                from None


# --------------------------------------------------------------------------
# Routing. Patterns are tuples of lowercase literals and placeholders:
# ID matches digits (captured as int); MEMBER matches any member id or
# identifier except the literals "types" and "count", which always win.

ID, MEMBER = "<id>", "<member>"


def _match(pattern, segments):
    if len(pattern) != len(segments):
        return None
    captures = []
    for want, seg in zip(pattern, segments):
        if want == ID:
            if not seg.isdigit():
                return None
            captures.append(int(seg))
        elif want == MEMBER:
            if seg.lower() in ("types", "count") or not seg:
                return None
            captures.append(seg)
        elif want != seg.lower():
            return None
    return captures


def _build_routes():
    routes = [
        (("info",), {"GET": "get_info"}),
        (("myaccount",), {"GET": "get_my_account"}),
        (("myaccount", ID), {"GET": "get_my_account"}),
        (("members", "count"), {"GET": "count:members"}),
        (("members", "types"), {"GET": "list:members/types"}),
        (("members", "types", "count"), {"GET": "count:members/types"}),
        (("members", "types", ID), {"GET": "get:members/types"}),
        (("members",), {"GET": "list:members", "POST": "create:members"}),
        (("members", MEMBER), {"GET": "get_member", "PUT": "put_member",
                               "PATCH": "patch_member",
                               "DELETE": "delete_member"}),
        (("members", MEMBER, "tokens"), {"GET": "list_tokens",
                                         "POST": "create_token"}),
        (("members", MEMBER, "tokens", ID), {"GET": "get_token",
                                             "DELETE": "delete_token"}),
        (("callbacks",), {"GET": "list:callbacks",
                          "POST": "create:callbacks"}),
        (("callbacks", "count"), {"GET": "count:callbacks"}),
        (("callbacks", ID), {"GET": "get:callbacks", "PUT": "put:callbacks",
                             "PATCH": "patch:callbacks",
                             "DELETE": "delete:callbacks"}),
        (("apireports", ID, "run"), {"POST": "run_report"}),
        (("audittrail",), {"GET": "list_audit"}),
        (("audittrail", "count"), {"GET": "count_audit"}),
    ]
    for key in ("securityroles", "departments", "locations", "apireports",
                "mysecurity"):
        routes += [((key,), {"GET": f"list:{key}"}),
                   ((key, "count"), {"GET": f"count:{key}"}),
                   ((key, ID), {"GET": f"get:{key}"})]
    return routes


ROUTES = _build_routes()


class Api:
    """The System module's route handlers. All run with the store locked
    only as long as they touch it; each returns a Response."""

    def __init__(self, server):
        self.server = server
        self.store = server.store

    def dispatch(self, ctx, segments):
        for pattern, methods in ROUTES:
            captures = _match(pattern, segments)
            if captures is None:
                continue
            action = methods.get(ctx.method)
            if action is None:
                raise ApiError(405, "MethodNotAllowed",
                               f"The requested resource does not support "
                               f"http method '{ctx.method}'.",
                               headers={"Allow": ", ".join(methods)})
            name, _, key = action.partition(":")
            handler = getattr(self, name)
            return handler(ctx, key, *captures) if key else \
                handler(ctx, *captures)
        raise not_found("The requested resource was not found: "
                        f"{ctx.raw_path}")

    # -- generic collection verbs ------------------------------------

    def _list(self, ctx, items, catalog):
        query = ListQuery(ctx.params, ctx.forward_only)
        page, link = run_list_query(items, query, catalog, ctx.link_base,
                                    ctx.raw_query)
        headers = {"Link": link} if link is not None else {}
        return Response(200, page, headers)

    def _count(self, ctx, items, catalog):
        return Response(200, {"count": len(filter_items(
            items, ctx.params.get("conditions"), catalog))})

    def _one(self, ctx, obj):
        return Response(200, apply_fields([obj], ctx.params.get("fields"))[0])

    def list(self, ctx, key):
        coll = self.store.collection(key)
        return self._list(ctx, coll.items(), coll.catalog)

    def count(self, ctx, key):
        coll = self.store.collection(key)
        return self._count(ctx, coll.items(), coll.catalog)

    def get(self, ctx, key, obj_id):
        return self._one(ctx, self.store.get(key, obj_id))

    def create(self, ctx, key):
        return Response(201, self.store.create(key, ctx.json(), ctx.actor_id))

    def put(self, ctx, key, obj_id):
        return Response(200, self.store.replace(key, obj_id, ctx.json(),
                                                ctx.actor_id))

    def patch(self, ctx, key, obj_id):
        return Response(200, self.store.patch(key, obj_id, ctx.json(),
                                              ctx.actor_id))

    def delete(self, ctx, key, obj_id):
        self.store.delete(key, obj_id, ctx.actor_id)
        return Response(204)

    # -- members by id or identifier -----------------------------------

    def get_member(self, ctx, ident):
        return self._one(ctx, self.store.find_member(ident))

    def put_member(self, ctx, ident):
        return self.put(ctx, "members", self.store.find_member(ident)["id"])

    def patch_member(self, ctx, ident):
        return self.patch(ctx, "members", self.store.find_member(ident)["id"])

    def delete_member(self, ctx, ident):
        return self.delete(ctx, "members",
                           self.store.find_member(ident)["id"])

    def list_tokens(self, ctx, ident):
        tokens = self.store.member_tokens(self.store.find_member(ident))
        return self._list(ctx, tokens, self.store.token_catalog)

    def get_token(self, ctx, ident, token_id):
        tokens = self.store.member_tokens(self.store.find_member(ident))
        for token in tokens:
            if token["id"] == token_id:
                return self._one(ctx, token)
        raise not_found(f"Token with id {token_id} not found.")

    def create_token(self, ctx, ident):
        member = self.store.find_member(ident)
        return Response(201, self.store.create_token(member, ctx.actor_id))

    def delete_token(self, ctx, ident, token_id):
        self.store.delete_token(self.store.find_member(ident), token_id)
        return Response(204)

    # -- singletons, reports, audit trail -------------------------------

    def get_info(self, ctx):
        return Response(200, self.store.info)

    def get_my_account(self, ctx, member_id=None):
        member_id = ctx.actor_id if member_id is None else member_id
        member = self.store.get("members", member_id)
        return self._one(ctx, data.my_account(member))

    def run_report(self, ctx, report_id):
        return Response(200, self.store.run_report(report_id, ctx.json()))

    def _audit_items(self, ctx):
        type_name, obj_id = ctx.params.get("type"), ctx.params.get("id")
        if not type_name or not obj_id:
            raise bad_request("The audit trail needs the query parameters "
                              "type (e.g. Member) and id.")
        valid = {t.lower(): t for t in AUDIT_TYPES}
        if type_name.lower() not in valid:
            raise bad_request(f"Invalid audit trail type '{type_name}'; "
                              f"expected one of {', '.join(AUDIT_TYPES)}.")
        if not obj_id.isdigit():
            raise bad_request(f"The audit trail id must be an integer; got "
                              f"'{obj_id}'.")
        return self.store.audit_entries(type_name, int(obj_id))

    def list_audit(self, ctx):
        if ctx.forward_only:
            raise bad_request("Forward-only pagination is not supported on "
                              "the audit trail.")
        return self._list(ctx, self._audit_items(ctx),
                          self.store.audit_catalog)

    def count_audit(self, ctx):
        return self._count(ctx, self._audit_items(ctx),
                           self.store.audit_catalog)


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
        self._send(response)

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
                raise not_found(f"No API route matches {raw_path}.")
            ctx = Context(self, method, raw_path, raw_query, body)
            ctx.actor_id = self._authenticate()
            with server.store.lock:
                response = server.api.dispatch(ctx, segments[4:])
                # Serialise while still locked: the objects are live.
                response.payload = None if response.status == 204 else \
                    dumps(response.body).encode("utf-8")
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
        self.send_response(response.status)
        self.send_header("api-current-version", API_VERSION)
        self.send_header("x-cw-request-id", str(uuid.uuid4()))
        self.send_header("x-server-name", "cwm-emulator")
        if response.status != 204:
            if "gzip" in self.headers.get("Accept-Encoding", "").lower():
                payload = gzip.compress(payload, compresslevel=5, mtime=0)
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

    def _route(self, method, seg, body):
        server, store = self.server, self.server.store
        route = (method, "/".join(seg[:2]).lower())
        if route == ("GET", "health"):
            return Response(200, {"ok": True})
        if route == ("GET", "requests"):
            return Response(200, server.request_log.snapshot())
        if route == ("GET", "requests/detail"):
            return Response(200, server.request_log.snapshot(detail=True))
        if route == ("POST", "requests/reset"):
            server.request_log.reset()
            return Response(204)
        if route == ("POST", "faults"):
            return Response(201, server.faults.add(self._json(body)))
        if route == ("GET", "faults"):
            return Response(200, server.faults.pending())
        if route == ("POST", "faults/reset"):
            server.faults.reset()
            return Response(204)
        if route == ("POST", "latency"):
            spec = self._json(body)
            if not isinstance(spec, dict) or not isinstance(spec.get("ms"),
                                                            int):
                raise bad_request('Send {"ms": <int>}.')
            server.options["latency_ms"] = spec["ms"]
            return Response(200, {"ms": spec["ms"]})
        if seg and seg[0].lower() == "objects" and len(seg) >= 2:
            rest = seg[1:]
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
        raise not_found(f"Unknown emulator hook {method} "
                        f"/__emulator/{'/'.join(seg)}")


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(self, host="127.0.0.1", port=0, **options):
        unknown = set(options) - set(DEFAULTS)
        if unknown:
            raise TypeError(f"unknown emulator options: {sorted(unknown)}")
        self.options = {**DEFAULTS, **options}
        codebase = self.options["codebase"].strip("/") + "/"
        self.options["codebase"] = codebase
        super().__init__((host, port), Handler)
        self.port = self.server_address[1]
        url_host = host if host not in ("", "0.0.0.0", "::") else "127.0.0.1"
        self.authority = f"{url_host}:{self.port}"
        self.base_url = f"http://{self.authority}"
        self.api_base = f"{self.base_url}/{codebase}apis/3.0"
        self.store = Store(seed=self.options["seed"],
                           members=self.options["members"],
                           api_base=self.api_base,
                           public_key=self.options["public_key"],
                           private_key=self.options["private_key"])
        self.api = Api(self)
        self.hooks = Hooks(self)
        self.request_log = RequestLog()
        self.faults = Faults()


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
    parser.add_argument("--latency-ms", type=int, default=0,
                        help="delay every API response (benchmarks)")
    parser.add_argument("--verbose", action="store_true",
                        help="log every request to stderr")
    args = parser.parse_args(argv)

    server = EmulatorServer(
        args.host, args.port, members=args.members, seed=args.seed,
        company=args.company, public_key=args.public_key,
        private_key=args.private_key, client_id=args.client_id,
        codebase=args.codebase, latency_ms=args.latency_ms,
        verbose=args.verbose)

    def stop(signum, frame):
        # shutdown() blocks until serve_forever returns: not on this thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.port_file:
        _write_port_file(args.port_file, server.port)
    print(f"cwm-emulator listening on {server.api_base}/system/",
          file=sys.stderr, flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
