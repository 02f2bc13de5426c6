"""Configuration on a real mount: profiles, environment, and each refusal
(keys in -o, a readable key file, plain http to a remote host, bad keys)."""
import os
import re
import shutil
import tempfile
import unittest

from harness import (CWMFS_BIN, PRIVATE, EmulatorTestCase, Mount, clean_env,
                     run, write_config)


class ConfigTest(EmulatorTestCase):

    members = 5

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="cwmfs-cfg-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.mnt = os.path.join(self.tmp, "mnt")
        os.mkdir(self.mnt)

    def refused(self, args, env=None):
        """Runs cwmfs expecting a refusal; returns its one-line message."""
        res = run([CWMFS_BIN, "-f", *args, self.mnt],
                  env=env if env is not None else clean_env(), timeout=20)
        if os.path.ismount(self.mnt):
            run(["fusermount3", "-u", self.mnt])
            self.fail("cwmfs mounted although it should refuse")
        self.assertNotEqual(res.returncode, 0)
        lines = res.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, res.stderr)
        self.assertNotIn(PRIVATE, res.stderr)
        return lines[0]

    def mount_ok(self, config, profile=None, env=None):
        mnt = self.mount(config=config, profile=profile, env=env)
        with open(mnt.p("members", "admin.json")) as f:
            self.assertIn('"identifier": "admin"', f.read())

    def test_keys_in_options_are_refused(self):
        cfg = write_config(self.tmp, self.emu.url)
        for opt in ["private_key=" + PRIVATE, "public_key=x"]:
            with self.subTest(opt=opt):
                msg = self.refused(["-o", "config=" + cfg, "-o", opt])
                self.assertIn("refusing -o", msg)
                self.assertIn("ps", msg)

    def test_readable_key_file_is_refused(self):
        for mode in (0o640, 0o604, 0o644):
            with self.subTest(mode=oct(mode)):
                cfg = write_config(self.tmp, self.emu.url, mode=mode)
                msg = self.refused(["-o", "config=" + cfg])
                self.assertIn("chmod 600", msg)

    def test_plain_http_to_remote_host_is_refused(self):
        # Refused before any connection: the address is never contacted.
        for url in ["http://10.1.2.3", "http://example.com:8080"]:
            with self.subTest(url=url):
                cfg = write_config(self.tmp, url)
                msg = self.refused(["-o", "config=" + cfg])
                self.assertIn("http://", msg)
                self.assertIn("loopback", msg)

    def test_wrong_key_fails_the_mount(self):
        cfg = write_config(self.tmp, self.emu.url, private_key="wrong")
        msg = self.refused(["-o", "config=" + cfg])
        self.assertIn("401", msg)
        self.assertNotIn("wrong", msg)

    def test_unknown_company_fails_discovery(self):
        cfg = write_config(self.tmp, self.emu.url, company="nosuchco")
        msg = self.refused(["-o", "config=" + cfg])
        self.assertIn("nosuchco", msg)

    def test_missing_key_names_where_to_set_it(self):
        cfg = write_config(self.tmp, self.emu.url, client_id=None)
        msg = self.refused(["-o", "config=" + cfg])
        self.assertIn("client_id", msg)
        self.assertIn("CWMFS_CLIENT_ID", msg)

    def test_missing_explicit_config_file(self):
        msg = self.refused(["-o", "config=" + os.path.join(self.tmp, "none")])
        self.assertIn("none", msg)

    def test_profiles(self):
        cfg = os.path.join(self.tmp, "config")
        good = open(write_config(self.tmp, self.emu.url, profile="acme")).read()
        with open(cfg, "w") as f:
            f.write("[default]\nurl = %s\ncompany = demo\npublic_key = p\n"
                    "private_key = bad\nclient_id = c\n\n" % self.emu.url + good)
        os.chmod(cfg, 0o600)
        self.mount_ok(cfg, profile="acme")
        self.assertIn("401", self.refused(["-o", "config=" + cfg]))
        self.assertIn("nope", self.refused(["-o", "config=" + cfg, "nope"]))

    def test_environment_overrides_the_file(self):
        cfg = write_config(self.tmp, self.emu.url, private_key=None,
                           mode=0o644)  # no key in it: readable is fine
        env = clean_env()
        env["CWMFS_PRIVATE_KEY"] = PRIVATE
        self.mount_ok(cfg, env=env)
        env["CWMFS_PRIVATE_KEY"] = "wrong"
        self.assertIn("401", self.refused(["-o", "config=" + cfg], env=env))

    def test_umask_option(self):
        cfg = write_config(self.tmp, self.emu.url)
        mnt = self.mount("umask=022", config=cfg)
        modes = {p: os.stat(mnt.p(p)).st_mode & 0o777
                 for p in ["info", "members", "members/admin.json",
                           "departments"]}
        self.assertEqual(modes, {"info": 0o444, "members": 0o755,
                                 "members/admin.json": 0o644,
                                 "departments": 0o755})

    def test_debug_and_single_thread_never_log_credentials(self):
        import base64
        cfg = write_config(self.tmp, self.emu.url)
        mnt = Mount(self.emu.url, config=cfg, flags=("-d", "-s"))
        try:
            with open(mnt.p("members", "admin.json")) as f:
                self.assertIn("admin", f.read())
        finally:
            rc, log = mnt.close()  # the log is checked below
        self.assertEqual(rc, 0, log)
        self.assertIn("/system/members/admin -> 200", log)  # -d logs requests
        token = base64.b64encode(("demo+testpub:" + PRIVATE).encode()).decode()
        for secret in (PRIVATE, token, "Authorization"):
            self.assertNotIn(secret, log)

    def test_unknown_option_is_refused_before_any_request(self):
        cfg = write_config(self.tmp, self.emu.url)
        self.emu.reset_requests()
        line = self.refused(["-o", "config=" + cfg, "-o", "no_such_option"])
        self.assertIn("no_such_option", line)
        self.assertEqual(self.emu.requests(), [])

    def test_a_bad_value_is_one_line_naming_what_would_do(self):
        cfg = write_config(self.tmp, self.emu.url)
        self.emu.reset_requests()
        for opt, says in [("ttl=abc", "ttl must be a number from 0 to"),
                          ("max_conns=0", "from 1 to 16 (connections)"),
                          ("umask=999", "umask must be an octal mode"),
                          ("write_mode=post", "must be patch or put")]:
            with self.subTest(opt=opt):
                line = self.refused(["-o", "config=" + cfg, "-o", opt])
                self.assertIn("-o " + opt, line)
                self.assertIn(says, line)
        self.assertEqual(self.emu.requests(), [])

    def test_refusals_name_the_fix(self):
        cfg = write_config(self.tmp, self.emu.url)
        self.assertIn("cwmfs --init staging", self.refused(
            ["-o", "config=" + cfg, "staging"]))
        self.assertIn("cwmfs --init writes one", self.refused(
            ["-o", "config=" + os.path.join(self.tmp, "none")]))
        bad = write_config(self.tmp, self.emu.url, private_key="wrong")
        self.assertIn("check the company id, public and private key",
                      self.refused(["-o", "config=" + bad]))
        res = run([CWMFS_BIN, "-f", "-o", "config=" + cfg,
                   os.path.join(self.tmp, "absent")], env=clean_env())
        self.assertNotEqual(res.returncode, 0)
        self.assertEqual(res.stderr.strip(), "cwmfs: mount point %s does not "
                         "exist; create it: mkdir -p %s" % (
                             os.path.join(self.tmp, "absent"),
                             os.path.join(self.tmp, "absent")))

    def test_version_and_help(self):
        res = run([CWMFS_BIN, "-V"])
        self.assertEqual(res.returncode, 0)
        for name in ("cwmfs", "libfuse 3.", "libcurl/", "cJSON 1."):
            self.assertIn(name, res.stdout)
        res = run([CWMFS_BIN, "-h"])
        self.assertEqual(res.returncode, 0)
        self.assertIn("[profile] <mountpoint>", res.stdout)
        self.assertIn("ttl=SECONDS", res.stdout)
        # each option once, with its default where it has one
        options = re.findall(r"^\s+(-o [a-z_]+|-[a-zA-Z])\b", res.stdout,
                             re.MULTILINE)
        self.assertEqual(sorted(options), sorted(set(options)), res.stdout)
        self.assertIn("-o max_pages=N", res.stdout)


if __name__ == "__main__":
    unittest.main()
