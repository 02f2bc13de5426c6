"""Both kinds of server: one like the user's description (the emulator's
"seed" dialect) and one like the real ConnectWise ("real").  An ordinary
walk of the whole mount meets no error on either; the described features a
real server lacks are absent or refused clearly, and its own equivalents
are used instead."""
import errno
import json
import os
import unittest

from harness import (EmulatorTestCase, Mount, MountedTestCase, read_text,
                     run, write_close, write_config)


class WalkChecks:
    """What must hold on every dialect."""

    def walk(self, *args):
        res = run(list(args), cwd=self.mnt.path)
        self.assertEqual(res.stderr, "", " ".join(args))
        return res

    def test_ls_lR_find_grep_and_cat_meet_no_error(self):
        self.walk("ls", "-lR", ".")
        found = self.walk("find", ".", "-type", "f").stdout.split("\n")
        files = [f for f in found if f and not f.startswith("./.cwmfs")]
        self.assertGreater(len(files), 40)
        grep = self.walk("grep", "-r", "-l", "e", ".")
        self.assertIn(grep.returncode, (0, 1))
        for f in files:
            with open(self.mnt.p(f)) as fh:
                text = fh.read()
            self.assertTrue(text, f)
            if f.endswith(".json") or "/" not in f[2:]:
                json.loads(text)  # every file is JSON
        self.assertEqual(read_text(self.mnt.p(".cwmfs", "errors")), "")

    def test_my_account_is_the_callers(self):
        account = json.loads(read_text(self.mnt.p("myAccount")))
        me = self.emu.curl("mymembers") if self.dialect == "real" else \
            self.emu.curl("myAccount")
        self.assertEqual(account["id"], me["id"])


class SeedWalkTest(WalkChecks, MountedTestCase):
    dialect = "seed"

    def test_described_folders_are_there(self):
        self.assertIn("apiReports", os.listdir(self.mnt.path))


class RealWalkTest(WalkChecks, MountedTestCase):
    dialect = "real"

    def test_described_only_folders_are_absent(self):
        names = os.listdir(self.mnt.path)
        self.assertNotIn("apiReports", names)
        with self.assertRaises(FileNotFoundError):
            os.stat(self.mnt.p("apiReports"))

    def test_reports_are_listed_without_running_them(self):
        names = os.listdir(self.mnt.p("reports"))
        self.assertTrue(names)
        self.emu.reset_requests()
        listed = run(["ls", "-l", self.mnt.p("reports")])
        self.assertEqual(listed.returncode, 0, listed.stderr)
        self.assertIn(names[0], listed.stdout)
        runs = [r for r in self.emu.gets() if "/reports/" in r["path"]]
        self.assertEqual(runs, [])
        rows = json.loads(read_text(self.mnt.p("reports", names[0])))
        self.assertIsInstance(rows, list)
        self.assertTrue(rows and isinstance(rows[0], dict))

    def test_rm_of_a_member_says_what_the_server_offers(self):
        victim = sorted(n for n in os.listdir(self.mnt.p("members"))
                        if n.endswith(".json") and n != "admin.json")[0]
        with self.assertRaises(PermissionError):
            os.unlink(self.mnt.p("members", victim))
        said = read_text(self.mnt.p(".cwmfs", "errors"))
        self.assertIn("deactivates members instead", said)
        self.assertIn(".json.deactivate", said)
        self.assertIn(victim, os.listdir(self.mnt.p("members")))


class RealServerHabitsTest(EmulatorTestCase):
    """How cwmfs meets a real server's versions and codebase moves."""

    dialect = "real"

    def test_the_servers_version_is_pinned(self):
        self.emu.reset_requests()
        mnt = self.mount(reset=False)
        read_text(mnt.p("info"))
        accepts = [r["headers"]["accept"]
                   for r in self.emu.hook("GET", "requests/detail")
                   if "/system/" in r["path"]]
        self.assertEqual(accepts[0], "application/vnd.connectwise.com+json")
        self.assertTrue(all(a.endswith("; version=2025.8")
                            for a in accepts[1:]), accepts)

    def test_an_expired_version_fails_the_mount_saying_so(self):
        cfg_dir = os.path.join(self.emu.tmp, "old")
        os.makedirs(cfg_dir, exist_ok=True)
        cfg = write_config(cfg_dir, self.emu.url, api_version="2019.1")
        with self.assertRaises(RuntimeError) as ctx:
            Mount(self.emu.url, config=cfg)
        self.assertIn("does not support the API version", str(ctx.exception))

    def test_a_moved_codebase_is_followed(self):
        mnt = self.mount("ttl=0", "log_level=info")
        self.assertTrue(read_text(mnt.p("info")))
        self.emu.hook("POST", "codebase", {"codebase": "v2025_2/"})
        self.assertIn("admin.json", os.listdir(mnt.p("members")))
        self.assertTrue(json.loads(read_text(mnt.p("info"))))
        self.assertIn("the codebase moved", mnt.errors())
        self.assertEqual(read_text(mnt.p(".cwmfs", "errors")), "")


class DeactivationTest(EmulatorTestCase):
    """ConnectWise deactivates members (naming who inherits their work)
    instead of deleting them: through the mount, by writing that to
    <member>.json.deactivate."""

    dialect = "real"

    def victim(self, mnt):
        name = sorted(n for n in os.listdir(mnt.p("members"))
                      if n.endswith(".json") and n != "admin.json")[0]
        return name, json.loads(read_text(mnt.p("members", name)))

    def test_writing_who_inherits_deactivates(self):
        mnt = self.mount("ttl=60")
        name, member = self.victim(mnt)
        self.assertFalse(member["inactiveFlag"])
        with open(mnt.p("members", name + ".deactivate"), "w") as f:
            f.write('{"activity": {"reAssignToMember": '
                    '{"identifier": "admin"}}}\n')
        self.assertTrue(self.emu.curl("members/%d" % member["id"])
                        ["inactiveFlag"])
        self.assertTrue(json.loads(read_text(mnt.p("members", name)))
                        ["inactiveFlag"])
        self.assertNotIn(name + ".deactivate", os.listdir(mnt.p("members")))
        self.assertEqual(read_text(mnt.p(".cwmfs", "errors")), "")

    def test_naming_nobody_is_refused_and_kept(self):
        mnt = self.mount("ttl=60")
        name, member = self.victim(mnt)
        path = mnt.p("members", name + ".deactivate")
        with self.assertRaises(OSError) as ctx:
            with open(path, "w") as f:
                f.write("{}\n")
        self.assertEqual(ctx.exception.errno, errno.EINVAL)
        self.assertFalse(self.emu.curl("members/%d" % member["id"])
                         ["inactiveFlag"])
        self.assertIn("refused to deactivate",
                      read_text(mnt.p(".cwmfs", "errors")))
        self.assertEqual(read_text(mnt.p(".cwmfs", "rejected", "members",
                                         name + ".deactivate")), "{}\n")
        self.assertNotIn(name + ".deactivate", os.listdir(mnt.p("members")))


def writable(path):
    """Whether the file's mode lets its owner write."""
    return bool(os.stat(path).st_mode & 0o200)


def listed_ids(mnt, folder):
    return {n for n in os.listdir(mnt.p(*folder.split("/")))
            if n.endswith(".json")}


class SetupWritesTest(EmulatorTestCase):
    """What a real server lets admins change besides members: member types,
    departments and locations in full, security roles by create and
    delete.  New files POST, saves PATCH, rm DELETEs."""

    dialect = "real"

    def create(self, mnt, folder, body):
        """Saves a new file; returns the name the server's id gave it."""
        before = listed_ids(mnt, folder)
        write_close(mnt.p(*folder.split("/"), "new.json"), json.dumps(body))
        made = listed_ids(mnt, folder) - before
        self.assertEqual(len(made), 1, (folder, made, mnt.errors()))
        return made.pop()

    def test_types_departments_and_locations_in_full(self):
        mnt = self.mount("ttl=60")
        for folder, body, field, value in (
                ("members/types", {"name": "Robot"}, "name", "Droid"),
                ("departments", {"identifier": "Ops", "name": "Operations"},
                 "name", "Ops and Infra"),
                ("locations", {"name": "Denver", "structureLevel": {"id": 1}},
                 "name", "Boulder")):
            with self.subTest(folder=folder):
                name = self.create(mnt, folder, body)
                path = mnt.p(*folder.split("/"), name)
                self.assertTrue(writable(path))
                obj = json.loads(read_text(path))
                obj[field] = value
                write_close(path, json.dumps(obj, indent=2),
                            os.O_WRONLY | os.O_TRUNC)
                on_server = "%s/%d" % (folder, obj["id"])
                self.assertEqual(self.emu.curl(on_server)[field], value)
                os.unlink(path)
                self.assertNotIn(name, listed_ids(mnt, folder))
                self.assertNotIn(obj["id"], [o["id"] for o in
                                             self.emu.curl_all(folder)])
        self.assertEqual(read_text(mnt.p(".cwmfs", "errors")), "")

    def test_security_roles_are_created_and_deleted_not_changed(self):
        mnt = self.mount("ttl=60")
        name = self.create(mnt, "securityRoles",
                           {"name": "Auditor", "roleType": "Custom"})
        path = mnt.p("securityRoles", name)
        self.assertFalse(writable(path))
        with self.assertRaises(PermissionError):
            os.open(path, os.O_WRONLY)
        os.unlink(path)
        self.assertNotIn("Auditor", [r["name"] for r in
                                     self.emu.curl_all("securityroles")])
        self.assertEqual(read_text(mnt.p(".cwmfs", "errors")), "")


class DescribedSetupIsReadOnlyTest(EmulatorTestCase):
    """A server like the user's description answers writes to departments
    with 405: the first is refused (and kept), and from then on the files
    say so in their modes, and no write is sent again."""

    dialect = "seed"

    def test_a_405_makes_the_folder_read_only(self):
        mnt = self.mount("ttl=60")
        name = sorted(listed_ids(mnt, "departments"))[0]
        path = mnt.p("departments", name)
        self.assertTrue(writable(path))  # what ConnectWise documents
        text = read_text(path)
        mine = json.dumps(dict(json.loads(text), name="Renamed"))
        with self.assertRaises(OSError) as ctx:
            write_close(path, mine, os.O_WRONLY | os.O_TRUNC)
        self.assertEqual(ctx.exception.errno, errno.EROFS)
        self.assertEqual(read_text(mnt.p(".cwmfs", "rejected", "departments",
                                         name)), mine)
        self.assertFalse(writable(path))
        self.emu.reset_requests()
        with self.assertRaises(PermissionError):
            os.open(path, os.O_WRONLY)
        with self.assertRaises(PermissionError):
            os.unlink(path)
        self.assertEqual([r for r in self.emu.requests()
                          if r["method"] != "GET"], [])
        self.assertIn("does not allow DELETE on departments",
                      read_text(mnt.p(".cwmfs", "errors")))

    def test_a_refused_member_type_is_kept_in_its_own_folder(self):
        mnt = self.mount("ttl=60")
        name = sorted(listed_ids(mnt, "members/types"))[0]
        path = mnt.p("members", "types", name)
        mine = json.dumps(dict(json.loads(read_text(path)), name="Renamed"))
        with self.assertRaises(OSError) as ctx:
            write_close(path, mine, os.O_WRONLY | os.O_TRUNC)
        self.assertEqual(ctx.exception.errno, errno.EROFS)
        rejected = mnt.p(".cwmfs", "rejected", "members")
        self.assertIn("types", os.listdir(rejected))
        self.assertEqual(os.listdir(os.path.join(rejected, "types")), [name])
        self.assertEqual(read_text(os.path.join(rejected, "types", name)),
                         mine)


if __name__ == "__main__":
    unittest.main()
