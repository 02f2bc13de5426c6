"""Shared test plumbing: an in-process emulator and a tiny HTTP client.

Not named test_*, so unittest discovery only imports it.
"""

import base64
import gzip
import http.client
import json
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import cwm_emulator  # noqa: E402

CLIENT_ID = "00000000-0000-4000-8000-000000000000"
AUTH = "Basic " + base64.b64encode(b"demo+demopub:demopriv").decode()
API = "/v4_6_release/apis/3.0/system"


class Reply:
    def __init__(self, resp):
        self.status = resp.status
        self.headers = resp.headers
        raw = resp.read()
        if resp.getheader("Content-Encoding") == "gzip":
            raw = gzip.decompress(raw)
        self.raw = raw
        self.json = json.loads(raw) if raw else None

    def header(self, name):
        return self.headers.get(name)


class EmulatorTestCase(unittest.TestCase):
    """Starts one emulator per test class; `self.call` talks to it.

    `dialect` picks the emulator's dialect ("real", the emulator's default,
    or "seed"); tests of features only the description has say "seed".
    """

    dialect = "real"
    server_options = {"members": 40}

    @classmethod
    def setUpClass(cls):
        cls.server, _ = cwm_emulator.start_server(dialect=cls.dialect,
                                                  **cls.server_options)
        cls.host = f"127.0.0.1:{cls.server.port}"

    @classmethod
    def tearDownClass(cls):
        cwm_emulator.stop_server(cls.server)

    def call(self, method, path, body=None, headers=None, auth=True,
             raw_body=None):
        """One request; `path` is relative to the System API unless it
        starts with '/'."""
        if not path.startswith("/"):
            path = f"{API}/{path}"
        hdrs = {}
        if auth:
            hdrs.update({"Authorization": AUTH, "clientId": CLIENT_ID})
        hdrs.update(headers or {})
        data = raw_body
        if body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        conn = http.client.HTTPConnection(self.host, timeout=10)
        try:
            conn.request(method, path, body=data, headers=hdrs)
            return Reply(conn.getresponse())
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def ok(self, method, path, status=200, **kw):
        reply = self.call(method, path, **kw)
        self.assertEqual(reply.status, status, reply.raw[:500])
        return reply.json

    def error(self, method, path, status, code=None, **kw):
        reply = self.call(method, path, **kw)
        self.assertEqual(reply.status, status, reply.raw[:500])
        if code:
            self.assertEqual(reply.json["code"], code, reply.json)
        return reply.json
