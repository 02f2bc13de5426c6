"""HTTP behaviour: auth, routes, paging, Link headers, gzip, hooks, CLI."""

import base64
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

from emu_helpers import API, AUTH, CLIENT_ID, EmulatorTestCase


class AuthTests(EmulatorTestCase):
    dialect = "seed"
    def test_missing_authorization(self):
        body = self.error("GET", "members", 401, "Unauthorized",
                          auth=False, headers={"clientId": CLIENT_ID})
        self.assertIn("no Authorization header", body["message"])
        self.assertIsNone(body["errors"])

    def test_wrong_keys_and_company(self):
        for creds in (b"demo+demopub:wrong", b"other+demopub:demopriv",
                      b"demopub:demopriv"):
            auth = "Basic " + base64.b64encode(creds).decode()
            self.error("GET", "members", 401, "Unauthorized", auth=False,
                       headers={"Authorization": auth, "clientId": CLIENT_ID})
        self.error("GET", "members", 401, "Unauthorized", auth=False,
                   headers={"Authorization": "Bearer x",
                            "clientId": CLIENT_ID})

    def test_company_is_case_insensitive(self):
        auth = "Basic " + base64.b64encode(b"DEMO+demopub:demopriv").decode()
        self.ok("GET", "info", auth=False,
                headers={"Authorization": auth, "clientId": CLIENT_ID})

    def test_missing_and_wrong_client_id(self):
        body = self.error("GET", "info", 401, "Unauthorized", auth=False,
                          headers={"Authorization": AUTH})
        self.assertIn("clientId", body["message"])
        self.error("GET", "info", 401, "Unauthorized", auth=False,
                   headers={"Authorization": AUTH, "clientId": "nope"})

    def test_response_headers(self):
        reply = self.call("GET", "info")
        self.assertEqual(reply.header("api-current-version"), "2025.8")
        self.assertTrue(reply.header("x-cw-request-id"))
        self.assertEqual(reply.header("Content-Type"),
                         "application/json; charset=utf-8")
        self.assertNotIn(b" ", reply.raw[:20])  # compact JSON

    def test_login_companyinfo(self):
        body = self.ok("GET", "/login/companyinfo/DEMO", auth=False)
        self.assertEqual(body["CompanyID"], "demo")
        self.assertEqual(body["Codebase"], "v4_6_release/")
        self.assertEqual(body["SiteUrl"], self.host)
        self.assertIs(body["IsCloud"], False)
        reply = self.call("GET", "/login/companyinfo/nobody", auth=False)
        self.assertEqual((reply.status, reply.raw), (200, b"null"))

    def test_impersonation_token_authenticates(self):
        token = self.ok("POST", "members/zangstrom/tokens", 201)
        auth = "Basic " + base64.b64encode(
            f"demo+{token['publicKey']}:{token['privateKey']}"
            .encode()).decode()
        me = self.ok("GET", "myAccount", auth=False,
                     headers={"Authorization": auth, "clientId": CLIENT_ID})
        self.assertEqual(me["identifier"], "zangstrom")


class RouteTests(EmulatorTestCase):
    dialect = "seed"
    def test_every_collection_lists_counts_and_gets(self):
        for path in ("members", "members/types", "securityRoles",
                     "departments", "locations", "callbacks", "apiReports",
                     "mySecurity"):
            with self.subTest(path=path):
                items = self.ok("GET", f"{path}?pageSize=1000")
                self.assertTrue(items)
                self.assertEqual(self.ok("GET", f"{path}/count"),
                                 {"count": len(items)})
                first = self.ok("GET", f"{path}/{items[0]['id']}")
                self.assertEqual(first, items[0])
                self.error("GET", f"{path}/99999", 404, "NotFound")

    def test_counts_of_demo_data(self):
        counts = {p: self.ok("GET", f"{p}/count")["count"] for p in
                  ("members", "members/types", "securityRoles",
                   "departments", "locations", "callbacks", "apiReports",
                   "mySecurity")}
        self.assertEqual(counts, {"members": 40, "members/types": 4,
                                  "securityRoles": 6, "departments": 5,
                                  "locations": 4, "callbacks": 6,
                                  "apiReports": 3, "mySecurity": 15})

    def test_not_found_message(self):
        body = self.error("GET", "members/9999", 404, "NotFound")
        self.assertEqual(body["message"], "Member with id 9999 not found.")
        self.error("GET", "nothing/here", 404, "NotFound")
        self.error("GET", "/v4_6_release/apis/3.0/company/companies", 404)

    def test_member_by_identifier_and_precedence(self):
        self.assertEqual(self.ok("GET", "members/ADMIN")["id"], 1)
        self.assertEqual(self.ok("GET", "members/1")["identifier"], "admin")
        self.assertIsInstance(self.ok("GET", "members/types"), list)
        self.assertIn("count", self.ok("GET", "members/count"))
        self.error("GET", "members/types/tokens", 404)

    def test_case_insensitive_segments(self):
        self.ok("GET", "/V4_6_RELEASE/APIS/3.0/System/Members/Count")
        self.ok("GET", "/v4_6_release/apis/3.0/system/SECURITYROLES")

    def test_percent_encoded_slash_in_identifier(self):
        self.ok("POST", "/__emulator/objects/members", 201, auth=False,
                body={"identifier": "a/b%c", "firstName": "Slash"})
        member = self.ok("GET", "members/a%2Fb%25c")
        self.assertEqual(member["firstName"], "Slash")

    def test_method_not_allowed(self):
        for method, path in (("POST", "departments"), ("DELETE", "locations/1"),
                             ("PATCH", "securityRoles/1"), ("PUT", "members"),
                             ("POST", "members/count"), ("DELETE", "info")):
            with self.subTest(method=method, path=path):
                self.error(method, path, 405, "MethodNotAllowed",
                           body={} if method != "DELETE" else None)

    def test_info_and_my_account(self):
        info = self.ok("GET", "info")
        self.assertEqual(list(info), ["version", "isCloud", "serverTimeZone",
                                      "licenseBits", "cloudRegion",
                                      "maxWorkFlowRecordsAllowed"])
        me = self.ok("GET", "myAccount")
        self.assertEqual((me["id"], me["identifier"]), (1, "admin"))
        self.assertEqual(me["defaultDepartment"]["name"], "Administration")
        self.assertEqual(self.ok("GET", "myAccount/2")["id"], 2)

    def test_my_security_shape(self):
        entry = self.ok("GET", "mySecurity")[0]
        self.assertEqual(entry["inquireLevel"], "All")
        self.assertEqual(entry["member"]["identifier"], "admin")

    def test_seed_member_shape(self):
        admin = self.ok("GET", "members/1")
        self.assertEqual(list(admin)[:7], [
            "id", "identifier", "firstName", "lastName", "emailAddress",
            "title", "inactiveFlag"])
        self.assertEqual(list(admin)[-1], "_info")
        self.assertEqual(admin["securityRole"]["name"], "System Administrator")
        href = admin["department"]["_info"]["department_href"]
        self.assertEqual(href, f"http://{self.host}{API}/departments/1")
        names = {m["firstName"] for m in self.ok("GET", "members?pageSize=50")}
        self.assertTrue({"Zoë", "José", "Łukasz", "Søren", "太郎"} <= names)
        self.assertEqual(self.ok("GET", "members/christopherlong")["id"], 2)

    def test_tokens(self):
        listed = self.ok("GET", "members/admin/tokens")
        self.assertEqual(listed[0]["publicKey"], "demopub")
        self.assertEqual(set(listed[0]), {"id", "publicKey", "expiration",
                                          "_info"})
        token = self.ok("POST", "members/5/tokens", 201)
        self.assertEqual(list(token), ["id", "publicKey", "privateKey",
                                       "expiration"])
        ids = [t["id"] for t in self.ok("GET", "members/lwisniewski/tokens")]
        self.assertIn(token["id"], ids)
        self.ok("DELETE", f"members/5/tokens/{token['id']}", 204)
        self.error("DELETE", f"members/5/tokens/{token['id']}", 404)

    def test_api_report_run(self):
        body = self.ok("POST", "apiReports/1/run",
                       body={"params": {"departmentId": 1}})
        columns = [next(iter(c)) for c in body["column_definitions"]]
        self.assertEqual(columns[:3], ["id", "identifier", "name"])
        self.assertTrue(body["row_values"])
        self.assertTrue(all(r[3] == "Administration"
                            for r in body["row_values"]))
        again = self.ok("POST", "apiReports/1/run",
                        body={"params": {"departmentId": 1}})
        self.assertEqual(body, again)
        self.error("POST", "apiReports/1/run", 400,
                   body={"params": {"bogus": 1}})
        self.error("POST", "apiReports/99/run", 404, body={})

    def test_audittrail_requires_type_and_id(self):
        self.error("GET", "audittrail", 400, "InvalidObject")
        self.error("GET", "audittrail?type=Member", 400)
        self.error("GET", "audittrail?type=Bogus&id=1", 400)
        entries = self.ok("GET", "audittrail?type=member&id=2")
        self.assertEqual(entries[-1]["text"], "Member created")
        self.assertEqual(set(entries[0]), {
            "text", "enteredDate", "enteredBy", "auditType",
            "auditSubType", "auditSource"})
        self.assertEqual(self.ok("GET", "audittrail/count?type=Member&id=2"),
                         {"count": len(entries)})
        self.error("GET", "audittrail?type=Member&id=2", 400,
                   headers={"pagination-type": "forward-only"})


class PagingTests(EmulatorTestCase):
    server_options = {"members": 12}

    def link(self, query, headers=None):
        reply = self.call("GET", f"members?{query}", headers=headers)
        self.assertEqual(reply.status, 200, reply.raw)
        return reply, reply.header("Link")

    def url(self, query):
        return f"http://{self.host}{API}/members?{query}"

    def test_single_page_has_no_link(self):
        reply, link = self.link("pageSize=25")
        self.assertIsNone(link)
        self.assertEqual(len(reply.json), 12)

    def test_first_middle_last_pages(self):
        cond = "conditions=id%3E0"
        _, first = self.link(f"{cond}&pageSize=5")
        self.assertEqual(first, (
            f'<{self.url(cond + "&pageSize=5&page=2")}>; rel="next", '
            f'<{self.url(cond + "&pageSize=5&page=3")}>; rel="last"'))
        reply, middle = self.link(f"page=2&{cond}&pageSize=5")
        self.assertEqual([m["id"] for m in reply.json], [6, 7, 8, 9, 10])
        self.assertEqual(middle, (
            f'<{self.url(cond + "&pageSize=5&page=1")}>; rel="first", '
            f'<{self.url(cond + "&pageSize=5&page=1")}>; rel="prev", '
            f'<{self.url(cond + "&pageSize=5&page=3")}>; rel="next", '
            f'<{self.url(cond + "&pageSize=5&page=3")}>; rel="last"'))
        reply, last = self.link(f"{cond}&pageSize=5&page=3")
        self.assertEqual([m["id"] for m in reply.json], [11, 12])
        self.assertEqual(last, (
            f'<{self.url(cond + "&pageSize=5&page=2")}>; rel="prev", '
            f'<{self.url(cond + "&pageSize=5&page=1")}>; rel="first"'))

    def test_page_past_end_and_defaults(self):
        reply, link = self.link("pageSize=5&page=9")
        self.assertEqual((reply.json, link), ([], None))
        reply, _ = self.link("")
        self.assertEqual(len(reply.json), 12)

    def test_page_size_limits(self):
        reply, _ = self.link("pageSize=5000")
        self.assertEqual(len(reply.json), 12)  # clamped to 1000, not refused
        for bad in ("pageSize=0", "pageSize=x", "page=0", "page=-1"):
            self.error("GET", f"members?{bad}", 400, "InvalidObject")

    def test_query_names_case_insensitive(self):
        reply, link = self.link("PAGESIZE=5&Page=3")
        self.assertEqual(len(reply.json), 2)
        self.assertTrue(link.endswith('page=1>; rel="first"'))

    def test_forward_only(self):
        fwd = {"pagination-type": "forward-only"}
        reply, link = self.link("pageSize=5&page=3", headers=fwd)
        self.assertEqual([m["id"] for m in reply.json], [1, 2, 3, 4, 5])
        self.assertEqual(link, f'<{self.url("pageSize=5&pageId=5")}>; '
                               'rel="next"')
        reply, link = self.link("pageSize=5&pageId=10", headers=fwd)
        self.assertEqual([m["id"] for m in reply.json], [11, 12])
        reply, link = self.link("pageSize=5&pageId=12", headers=fwd)
        self.assertEqual((reply.json, link), ([], ""))
        self.error("GET", "members?orderBy=id%20desc", 400, headers=fwd)
        self.error("GET", "members?pageId=abc", 400, headers=fwd)

    def test_large_pages_are_fast(self):
        from cwm_emulator import start_server, stop_server
        started = time.monotonic()
        server, _ = start_server(members=2500)
        try:
            self.assertLess(time.monotonic() - started, 2.0)
            conn = http.client.HTTPConnection(f"127.0.0.1:{server.port}")
            started = time.monotonic()
            conn.request("GET", f"{API}/members?pageSize=1000&page=3",
                         headers={"Authorization": AUTH, "clientId": CLIENT_ID})
            resp = conn.getresponse()
            body = json.loads(resp.read())
            self.assertLess(time.monotonic() - started, 2.0)
            self.assertEqual(len(body), 500)
            conn.close()
        finally:
            stop_server(server)


class TransportTests(EmulatorTestCase):
    def test_gzip(self):
        reply = self.call("GET", "members", headers={"Accept-Encoding":
                                                     "gzip, deflate"})
        self.assertEqual(reply.header("Content-Encoding"), "gzip")
        self.assertEqual(reply.header("Vary"), "Accept-Encoding")
        self.assertEqual(len(reply.json), 25)
        plain = self.call("GET", "members")
        self.assertIsNone(plain.header("Content-Encoding"))

    def test_keep_alive(self):
        conn = http.client.HTTPConnection(self.host)
        headers = {"Authorization": AUTH, "clientId": CLIENT_ID}
        for path in ("info", "members/1", "nothing", "members/1"):
            conn.request("GET", f"{API}/{path}", headers=headers)
            resp = conn.getresponse()
            resp.read()
        conn.request("DELETE", f"{API}/callbacks/6", headers=headers)
        resp = conn.getresponse()
        self.assertEqual((resp.status, resp.read()), (204, b""))
        conn.request("GET", f"{API}/info", headers=headers)
        self.assertEqual(conn.getresponse().status, 200)
        conn.close()


class HookTests(EmulatorTestCase):
    def setUp(self):
        self.ok("POST", "/__emulator/requests/reset", 204, auth=False)
        self.ok("POST", "/__emulator/faults/reset", 204, auth=False)

    def log(self):
        return self.ok("GET", "/__emulator/requests", auth=False)

    def test_health(self):
        self.assertEqual(self.ok("GET", "/__emulator/health", auth=False),
                         {"ok": True, "dialect": self.dialect,
                          "codebase": "v4_6_release/"})
        self.assertEqual(self.log(), [])

    def test_request_log(self):
        self.get("members?pageSize=2&conditions=id%3E1")
        self.get("/login/companyinfo/demo", auth=False)
        self.get("members", auth=False)
        self.assertEqual(self.log(), [
            {"method": "GET", "path": f"{API}/members",
             "query": "pageSize=2&conditions=id%3E1", "status": 200},
            {"method": "GET", "path": "/login/companyinfo/demo",
             "query": "", "status": 200},
            {"method": "GET", "path": f"{API}/members", "query": "",
             "status": 401},
        ])
        self.ok("POST", "/__emulator/requests/reset", 204, auth=False)
        self.assertEqual(self.log(), [])

    def test_request_log_detail(self):
        self.ok("PATCH", "members/2", body=[{"op": "replace", "path": "title",
                                            "value": "Detail"}])
        detail = self.get("/__emulator/requests/detail", auth=False).json
        self.assertEqual(len(detail), 1)
        entry = detail[0]
        self.assertEqual(entry["method"], "PATCH")
        self.assertEqual(entry["status"], 200)
        self.assertIn("clientid", entry["headers"])
        self.assertNotIn("authorization", entry["headers"])
        self.assertIsInstance(entry["client_port"], int)
        self.assertEqual(json.loads(entry["body"])[0]["value"], "Detail")
        # the plain log keeps exactly its four keys
        self.assertEqual(sorted(self.log()[0]),
                         ["method", "path", "query", "status"])

    def test_faults(self):
        self.ok("POST", "/__emulator/faults", 201, auth=False,
                body={"status": 429, "count": 2, "retry_after": 3,
                      "path_contains": "members", "method": "GET"})
        self.ok("GET", "info")
        for _ in range(2):
            reply = self.get("members/1")
            self.assertEqual(reply.status, 429)
            self.assertEqual(reply.header("Retry-After"), "3")
            self.assertEqual(reply.json, {
                "error": "ConnectWiseAPI",
                "message": "Too many requests. Please try again in 3 "
                           "seconds."})
        self.ok("GET", "members/1")
        self.assertEqual([e["status"] for e in self.log()],
                         [200, 429, 429, 200])
        self.ok("POST", "/__emulator/faults", 201, auth=False,
                body={"status": 500})
        self.error("GET", "info", 500, "InternalServerError")
        self.ok("POST", "/__emulator/faults", 201, auth=False,
                body={"status": 503, "count": 5})
        self.ok("POST", "/__emulator/faults/reset", 204, auth=False)
        self.ok("GET", "info")

    def test_objects_hooks(self):
        stored = self.ok("POST", "/__emulator/objects/members", 201,
                         auth=False, body={"identifier": ".hidden",
                                           "firstName": "Dot"})
        self.assertEqual(list(stored)[:2], ["id", "identifier"])
        self.assertEqual(self.ok("GET", "members/.hidden")["id"], stored["id"])
        dept = self.ok("POST", "/__emulator/objects/departments", 201,
                       auth=False, body={"id": 77, "name": "100% R&D"})
        self.assertEqual(self.ok("GET", "departments/77"), dept)
        self.ok("POST", "/__emulator/objects/members/types", 201, auth=False,
                body={"name": "Robot"})
        self.assertEqual(self.ok("GET", "members/types/count")["count"], 5)

        before = self.ok("GET", "callbacks/1")
        changed = self.ok("PATCH", "/__emulator/objects/callbacks/1",
                          auth=False, body={"description": "Edited elsewhere"})
        self.assertEqual(changed["description"], "Edited elsewhere")
        self.assertGreater(changed["_info"]["lastUpdated"],
                           before["_info"]["lastUpdated"])
        self.assertEqual(self.ok("GET", "callbacks/1"), changed)
        self.ok("DELETE", "/__emulator/objects/departments/77", 204,
                auth=False)
        self.error("GET", "departments/77", 404)
        self.assertEqual([e["path"] for e in self.log()], [
            f"{API}/members/.hidden", f"{API}/departments/77",
            f"{API}/members/types/count", f"{API}/callbacks/1",
            f"{API}/callbacks/1", f"{API}/departments/77"])

    def test_latency_hook(self):
        self.ok("POST", "/__emulator/latency", auth=False, body={"ms": 150})
        try:
            started = time.monotonic()
            self.ok("GET", "info")
            self.assertGreaterEqual(time.monotonic() - started, 0.14)
        finally:
            self.ok("POST", "/__emulator/latency", auth=False, body={"ms": 0})


class CliTests(unittest.TestCase):
    def run_cli(self, extra_args, check):
        """Start the CLI with `extra_args`, call check(conn) on it, then
        SIGTERM it and expect a clean exit."""
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                              "cwm_emulator.py")
        with tempfile.TemporaryDirectory() as tmp:
            port_file = os.path.join(tmp, "port")
            proc = subprocess.Popen(
                [sys.executable, script, "--port", "0", "--port-file",
                 port_file, *extra_args], cwd=tmp, stderr=subprocess.PIPE)
            try:
                deadline = time.monotonic() + 10
                while not os.path.exists(port_file):
                    self.assertLess(time.monotonic(), deadline)
                    time.sleep(0.05)
                with open(port_file) as f:
                    text = f.read()
                self.assertRegex(text, r"^\d+\n$")
                conn = http.client.HTTPConnection(f"127.0.0.1:{text.strip()}")
                check(conn)
                conn.close()
            finally:
                proc.terminate()
                self.assertEqual(proc.wait(timeout=10), 0)
                proc.stderr.close()

    @staticmethod
    def fetch(conn, path, headers=None):
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read())

    def test_cli_port_file_and_sigterm(self):
        def check(conn):
            auth = "Basic " + base64.b64encode(b"acme+pk:sk").decode()
            self.assertEqual(self.fetch(conn, f"{API}/members/count", {
                "Authorization": auth, "clientId": "cid"}),
                (200, {"count": 3}))
            self.assertEqual(self.fetch(conn, "/__emulator/health")[1]
                             ["dialect"], "real")

        self.run_cli(["--members", "3", "--seed", "7", "--company", "acme",
                      "--public-key", "pk", "--private-key", "sk",
                      "--client-id", "cid", "--latency-ms", "1"], check)

    def test_cli_dialect_flag(self):
        def check(conn):
            self.assertEqual(self.fetch(conn, "/__emulator/health")[1]
                             ["dialect"], "seed")
            status, reports = self.fetch(conn, f"{API}/apiReports", {
                "Authorization": AUTH, "clientId": CLIENT_ID})
            self.assertEqual((status, len(reports)), (200, 3))

        self.run_cli(["--members", "2", "--dialect", "seed"], check)

    def test_cli_lists_routes(self):
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                              "cwm_emulator.py")
        for dialect, present, absent in (
                ("real", "POST /members/{id}/deactivate", "GET /apireports"),
                ("seed", "DELETE /members/{memberIdentifier}",
                 "PUT /myaccount/{id}")):
            out = subprocess.run([sys.executable, script, "--routes",
                                  "--dialect", dialect], check=True,
                                 capture_output=True, text=True).stdout
            lines = out.splitlines()
            self.assertIn(present, lines)
            self.assertNotIn(absent, lines)


if __name__ == "__main__":
    unittest.main()
