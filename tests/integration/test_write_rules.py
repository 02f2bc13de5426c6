"""The write side's rules, syscall by syscall: scratch files that never
reach the API, commit points (close, fsync, rename), PATCH bodies, PUT
mode, creates, deletes, read-only resources, renames, truncation, bad
input and server errors with /.cwmfs/errors and /.cwmfs/rejected, lost
updates (also between two mounts) and the mass-delete guard."""
import errno
import json
import os
import stat
import subprocess
import unittest

from harness import (ESTALE, RENAME_EXCHANGE, RENAME_NOREPLACE,
                     WriteTestCase, api_calls, cwmfs_errors, cwmfs_rejected,
                     deletes, object_gets, patches, pretty, read_text,
                     renameat2, run, stamp_epoch, write_close, writes)

ADMIN_TITLE = "System Administrator"
# a real server also requires the security role
NEW_MEMBER = {"identifier": "jdoe", "firstName": "Jane", "lastName": "Doe",
              "securityRole": {"id": 1}}
NEW_CALLBACK = {"description": "cwmfs test hook",
                "url": "https://hooks.example.com/cwmfs", "objectId": 1,
                "type": "Ticket", "level": "Add"}
SCRATCH_NAMES = ["4913", ".admin.json.swp", "admin.json~", "#admin.json#",
                 "sedAb12Cd", "tmp", "admin.json.tmp", "notes.txt"]


def replace_op(field, value):
    return {"op": "replace", "path": field, "value": value}


class RulesTestCase(WriteTestCase):
    """A mount per test with the members cache warm and the log empty."""

    def setUp(self):
        super().setUp()
        self.mnt = self.mount()
        self.admin = self.mnt.p("members", "admin.json")
        self.original = read_text(self.admin)
        os.listdir(self.mnt.p("members"))
        os.listdir(self.mnt.p("callbacks"))
        self.reset()

    def edited(self, path, **changes):
        obj = json.loads(read_text(path))
        obj.update(changes)
        return pretty(obj)

    def assertErrno(self, expected, func, *args, **kw):
        """func(*args) fails with one of `expected` (an errno or tuple)."""
        expected = expected if isinstance(expected, tuple) else (expected,)
        with self.assertRaises(OSError) as ctx:
            func(*args, **kw)
        self.assertIn(ctx.exception.errno, expected,
                      "got %s, want %s" % (
                          errno.errorcode.get(ctx.exception.errno),
                          [errno.errorcode.get(e) for e in expected]))
        return ctx.exception

    def assertNoWrites(self):
        self.assertEqual(writes(self.emu), [])

    def assertNoRequests(self):
        self.assertEqual(api_calls(self.emu), [])

    def assertOnePatch(self, api_path, ops):
        calls = writes(self.emu)
        self.assertEqual([(c["method"], c["path"]) for c in calls],
                         [("PATCH", api_path)])
        self.assertEqual(calls[0]["body"], ops)
        self.assertEqual(calls[0]["status"], 200)
        return calls[0]

    def assertShowsServer(self, rel, api_path):
        server = self.emu.curl(api_path)
        path = self.mnt.p(*rel.split("/"))
        self.assertEqual(read_text(path), pretty(server))
        st = os.stat(path)
        self.assertEqual(st.st_size, len(pretty(server).encode("utf-8")))
        # A file saved through the mount keeps the mtime its writer saw
        # (whole seconds), which the server stamped within a second or two.
        self.assertLessEqual(abs(int(st.st_mtime) -
                                 stamp_epoch(server["_info"]["lastUpdated"])), 2)
        return server


class ScratchTest(RulesTestCase):
    """Names that are not <stem>.json live in memory, never in the API."""

    def test_scratch_files_are_full_files_without_requests(self):
        for d in ("members", "callbacks"):
            for name in SCRATCH_NAMES:
                with self.subTest(dir=d, name=name):
                    path = self.mnt.p(d, name)
                    write_close(path, "hello, scratch\n")
                    fd = os.open(path, os.O_RDWR)
                    try:
                        os.pwrite(fd, b"HELLO", 0)
                        os.pwrite(fd, b"tail", 100)  # leaves a hole
                        self.assertEqual(os.pread(fd, 15, 0),
                                         b"HELLO, scratch\n")
                        self.assertEqual(os.pread(fd, 10, 15), b"\0" * 10)
                        self.assertEqual(os.fstat(fd).st_size, 104)
                        os.fsync(fd)
                    finally:
                        os.close(fd)
                    os.chmod(path, 0o640)
                    self.assertEqual(stat.S_IMODE(os.stat(path).st_mode),
                                     0o640)
                    os.chown(path, os.getuid(), os.getgid())
                    os.utime(path, (1_600_000_000, 1_600_000_000))
                    self.assertEqual(int(os.stat(path).st_mtime),
                                     1_600_000_000)
                    os.truncate(path, 5)
                    self.assertEqual(read_text(path), "HELLO")
                    self.assertIn(name, os.listdir(self.mnt.p(d)))
                    os.unlink(path)
                    self.assertFalse(os.path.exists(path))
        self.assertNoRequests()
        self.assertEqual(read_text(self.admin), self.original)

    def test_json_in_a_scratch_file_is_not_sent(self):
        tmp = self.mnt.p("members", "admin.json.tmp")
        write_close(tmp, self.edited(self.admin, title="Not Sent"),
                    fsync=True)
        write_close(self.mnt.p("members", "x.json~"),
                    json.dumps({"identifier": "x", "firstName": "X",
                                "lastName": "Y"}))
        self.assertNoRequests()
        self.assertEqual(self.emu.curl("members/1")["title"], ADMIN_TITLE)

    def test_emacs_lock_symlink(self):
        link = self.mnt.p("members", ".#admin.json")
        os.symlink("root@host.1234:1700000000", link)
        self.assertTrue(os.path.islink(link))
        self.assertEqual(os.readlink(link), "root@host.1234:1700000000")
        self.assertIn(".#admin.json", os.listdir(self.mnt.p("members")))
        os.unlink(link)
        self.assertFalse(os.path.lexists(link))
        self.assertNoRequests()

    def test_unlinked_scratch_file_keeps_working(self):
        path = self.mnt.p("members", "4913")
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            os.write(fd, b"before")
            os.unlink(path)
            self.assertFalse(os.path.exists(path))
            os.write(fd, b" after")
            self.assertEqual(os.pread(fd, 100, 0), b"before after")
            # fstat() is the one call that fails after the unlink (ESTALE):
            # cwmfs mounts with hard_remove (see fs_init for why).
        finally:
            os.close(fd)
        self.assertNoRequests()

    def test_statfs(self):
        st = os.statvfs(self.mnt.path)
        self.assertGreater(st.f_bsize, 0)
        self.assertGreater(st.f_bavail, 0)
        self.assertGreater(os.statvfs(self.mnt.p("members")).f_bavail, 0)


class CommitPointTest(RulesTestCase):
    """The API is called on close, fsync and rename, never per write()."""

    def test_writes_are_not_sent_until_close(self):
        text = self.edited(self.admin, title="Chunked").encode()
        fd = os.open(self.admin, os.O_WRONLY | os.O_TRUNC)
        try:
            for i in range(0, len(text), 100):
                os.write(fd, text[i:i + 100])
                self.assertNoWrites()
        finally:
            os.close(fd)
        self.assertOnePatch("members/1", [replace_op("title", "Chunked")])
        self.assertLessEqual(
            len(object_gets(self.emu, "members/1", "members/admin")), 1)
        self.assertShowsServer("members/admin.json", "members/1")

    def test_fsync_commits_and_close_adds_nothing(self):
        text = self.edited(self.admin, title="Synced").encode()
        fd = os.open(self.admin, os.O_WRONLY | os.O_TRUNC)
        try:
            os.write(fd, text)
            os.fsync(fd)
            self.assertOnePatch("members/1", [replace_op("title", "Synced")])
            self.assertEqual(self.emu.curl("members/1")["title"], "Synced")
        finally:
            os.close(fd)
        self.assertEqual(len(patches(self.emu)), 1)
        self.assertShowsServer("members/admin.json", "members/1")

    def test_a_reader_closing_mid_write_commits_nothing(self):
        """Only the writer's close commits: a cat (or an indexer) opening
        and closing the file while a program is writing it must neither
        send nor refuse the half-written text, nor fail itself."""
        text = self.edited(self.admin, title="Whole").encode()
        fd = os.open(self.admin, os.O_WRONLY | os.O_TRUNC)
        try:
            os.write(fd, text[:50])
            with open(self.admin, "rb") as f:
                f.read()
            self.assertNoWrites()
            os.write(fd, text[50:])
        finally:
            os.close(fd)
        self.assertOnePatch("members/1", [replace_op("title", "Whole")])

    def test_write_in_place_at_an_offset(self):
        """Random access into a resource: same-length title overwritten."""
        at = self.original.index('"title": "%s"' % ADMIN_TITLE) + 10
        fd = os.open(self.admin, os.O_RDWR)
        try:
            os.pwrite(fd, b"Global Administrator",
                      len(self.original[:at].encode()))
        finally:
            os.close(fd)
        self.assertOnePatch("members/1",
                            [replace_op("title", "Global Administrator")])
        self.assertShowsServer("members/admin.json", "members/1")

    def test_ftruncate_then_write(self):
        new = self.edited(self.admin, title="Ftruncated").encode()
        fd = os.open(self.admin, os.O_RDWR)
        try:
            os.read(fd, 10)
            os.ftruncate(fd, 0)
            self.assertEqual(os.fstat(fd).st_size, 0)
            os.pwrite(fd, new, 0)
        finally:
            os.close(fd)
        self.assertOnePatch("members/1", [replace_op("title", "Ftruncated")])

    def test_unchanged_saves_send_nothing(self):
        write_close(self.admin, self.original, os.O_WRONLY | os.O_TRUNC)
        os.utime(self.admin)                       # touch
        fd = os.open(self.admin, os.O_RDWR)
        os.fsync(fd)
        os.close(fd)
        # same values, other spelling: still no change
        obj = json.loads(self.original)
        write_close(self.admin, json.dumps(obj) + "\n",
                    os.O_WRONLY | os.O_TRUNC)
        self.assertNoWrites()
        self.assertEqual(self.emu.curl("members/1")["title"], ADMIN_TITLE)

    def test_patch_ops_replace_remove_nested_and_no_info(self):
        obj = json.loads(self.original)
        where = "location" if self.emu.dialect == "seed" \
            else "defaultLocation"
        obj["title"] = "Ops"
        del obj["notes"]                           # -> remove
        obj[where] = {"id": 2}                     # nested: replaced whole
        obj["_info"]["updatedBy"] = "somebody"     # never sent
        write_close(self.admin, pretty(obj), os.O_WRONLY | os.O_TRUNC)
        call = writes(self.emu)
        self.assertEqual([(c["method"], c["path"]) for c in call],
                         [("PATCH", "members/1")])
        ops = sorted(call[0]["body"], key=lambda op: op["path"])
        self.assertEqual(ops, [
            {"op": "replace", "path": where, "value": {"id": 2}},
            {"op": "remove", "path": "notes"},
            replace_op("title", "Ops")])
        server = self.assertShowsServer("members/admin.json", "members/1")
        self.assertEqual(server[where]["id"], 2)
        self.assertIsNone(server["notes"])

    def test_remove_op_on_a_callback(self):
        """A top-level field deleted from the text is sent as remove."""
        path = self.mnt.p("callbacks", "3.json")
        obj = json.loads(read_text(path))
        del obj["description"]
        write_close(path, pretty(obj), os.O_WRONLY | os.O_TRUNC)
        self.assertOnePatch("callbacks/3",
                            [{"op": "remove", "path": "description"}])
        server = self.assertShowsServer("callbacks/3.json", "callbacks/3")
        self.assertIsNone(server["description"])

    def test_put_mode(self):
        mnt = self.mount("ttl=60", "write_mode=put")
        path = mnt.p("members", "admin.json")
        text = self.edited(path, title="Put Title")
        self.reset()
        write_close(path, text, os.O_WRONLY | os.O_TRUNC)
        calls = writes(self.emu)
        self.assertEqual([(c["method"], c["path"]) for c in calls],
                         [("PUT", "members/1")])
        self.assertEqual(calls[0]["status"], 200)
        self.assertEqual(calls[0]["body"]["title"], "Put Title")
        self.assertEqual(calls[0]["body"]["identifier"], "admin")
        self.assertEqual(patches(self.emu), [])
        server = self.emu.curl("members/1")
        self.assertEqual(server["title"], "Put Title")
        self.assertEqual(read_text(path), pretty(server))


class CreateTest(RulesTestCase):

    def test_create_member_with_identifier_in_body(self):
        path = self.mnt.p("members", "jdoe.json")
        write_close(path, json.dumps(NEW_MEMBER, indent=2) + "\n")
        calls = writes(self.emu)
        self.assertEqual([(c["method"], c["path"], c["status"])
                          for c in calls], [("POST", "members", 201)])
        self.assertEqual(calls[0]["body"], NEW_MEMBER)
        server = self.assertShowsServer("members/jdoe.json", "members/jdoe")
        self.assertIsInstance(server["id"], int)
        self.assertEqual(json.loads(read_text(path))["id"], server["id"])
        self.assertIn("jdoe.json", os.listdir(self.mnt.p("members")))

    def test_identifier_from_the_file_name(self):
        body = {"firstName": "Rich", "lastName": "Roe",
                "securityRole": {"id": 1}}
        write_close(self.mnt.p("members", "rroe.json"), json.dumps(body))
        calls = writes(self.emu)
        self.assertEqual([(c["method"], c["path"]) for c in calls],
                         [("POST", "members")])
        self.assertEqual(calls[0]["body"], dict(body, identifier="rroe"))
        self.assertShowsServer("members/rroe.json", "members/rroe")

    def test_identifier_disagreeing_with_the_name_is_refused(self):
        path = self.mnt.p("members", "mismatch.json")
        text = json.dumps(dict(NEW_MEMBER, identifier="other")) + "\n"
        self.assertErrno(errno.EINVAL, write_close, path, text)
        self.assertNoRequests()
        # a local draft keeps the user's text; fixing it and saving works
        self.assertEqual(read_text(path), text)
        self.assertIn("members/mismatch.json", cwmfs_errors(self.mnt))
        self.assertEqual(cwmfs_rejected(self.mnt, "members/mismatch.json"),
                         text)
        fixed = json.dumps(dict(NEW_MEMBER, identifier="mismatch"))
        write_close(path, fixed)
        self.assertEqual([(c["method"], c["path"], c["status"])
                          for c in writes(self.emu)],
                         [("POST", "members", 201)])
        self.assertShowsServer("members/mismatch.json", "members/mismatch")

    def test_id_in_a_new_body_is_refused(self):
        path = self.mnt.p("members", "withid.json")
        text = json.dumps(dict(NEW_MEMBER, identifier="withid", id=77))
        self.assertErrno(errno.EINVAL, write_close, path, text)
        self.assertNoRequests()
        self.assertIn("members/withid.json", cwmfs_errors(self.mnt))
        self.assertEqual(read_text(path), text)        # a local draft
        self.assertEqual(cwmfs_rejected(self.mnt, "members/withid.json"),
                         text)

    def test_touch_and_empty_new_files_send_nothing(self):
        res = run(["touch", self.mnt.p("members", "new.json")])
        self.assertEqual(res.returncode, 0, res.stderr)
        write_close(self.mnt.p("members", "empty.json"), b"")
        for name in ("new.json", "empty.json"):
            self.assertEqual(os.stat(self.mnt.p("members", name)).st_size, 0)
            self.assertIn(name, os.listdir(self.mnt.p("members")))
        self.assertNoWrites()

    def test_create_callback_appears_under_its_id(self):
        before = {c["id"] for c in self.emu.curl_all("callbacks")}
        path = self.mnt.p("callbacks", "new.json")
        write_close(path, json.dumps(NEW_CALLBACK))
        calls = writes(self.emu)
        self.assertEqual([(c["method"], c["path"], c["status"])
                          for c in calls], [("POST", "callbacks", 201)])
        self.assertEqual(calls[0]["body"], NEW_CALLBACK)
        new_id = ({c["id"] for c in self.emu.curl_all("callbacks")}
                  - before).pop()
        listing = os.listdir(self.mnt.p("callbacks"))
        self.assertIn("%d.json" % new_id, listing)
        self.assertNotIn("new.json", listing)
        self.assertFalse(os.path.exists(path))
        self.assertShowsServer("callbacks/%d.json" % new_id,
                               "callbacks/%d" % new_id)

    def test_create_callback_under_an_unused_id_name(self):
        # "77.json" names no callback yet: the server still picks the id.
        path = self.mnt.p("callbacks", "77.json")
        write_close(path, json.dumps(NEW_CALLBACK))
        calls = writes(self.emu)
        self.assertEqual([(c["method"], c["path"]) for c in calls],
                         [("POST", "callbacks")])
        self.assertEqual(calls[0]["body"], NEW_CALLBACK)
        self.assertFalse(os.path.exists(path))

    def test_created_by_rename_from_scratch(self):
        tmp = self.mnt.p("members", "draft.tmp")
        write_close(tmp, json.dumps(dict(NEW_MEMBER, identifier="renamed")))
        self.assertNoRequests()
        os.rename(tmp, self.mnt.p("members", "renamed.json"))
        self.assertEqual([(c["method"], c["path"]) for c in writes(self.emu)],
                         [("POST", "members")])
        self.assertShowsServer("members/renamed.json", "members/renamed")


class DeleteAndReadOnlyTest(RulesTestCase):

    def test_rm_callback(self):
        os.unlink(self.mnt.p("callbacks", "4.json"))
        self.assertEqual([(c["method"], c["path"]) for c in writes(self.emu)],
                         [("DELETE", "callbacks/4")])
        self.assertNotIn(4, [c["id"] for c in self.emu.curl_all("callbacks")])
        self.assertNotIn("4.json", os.listdir(self.mnt.p("callbacks")))

    def test_unlinked_resource_stays_readable_for_its_holder(self):
        path = self.mnt.p("callbacks", "2.json")
        want = read_text(path).encode()
        fd = os.open(path, os.O_RDONLY)
        try:
            head = os.read(fd, 10)
            os.unlink(path)
            self.assertEqual(len(deletes(self.emu)), 1)
            rest = b""
            while True:
                chunk = os.read(fd, 4096)
                if not chunk:
                    break
                rest += chunk
            self.assertEqual(head + rest, want)
        finally:
            os.close(fd)

    def test_directories_cannot_be_removed(self):
        for d in ("members", "callbacks", "members/types", "departments"):
            with self.subTest(d=d):
                self.assertErrno(errno.EPERM, os.rmdir,
                                 self.mnt.p(*d.split("/")))
        self.assertNoWrites()

    def test_read_only_resources_refuse_with_eacces(self):
        # what the API offers no write for: refused without a request
        for rel in ("info", "myAccount", "mySecurity",
                    "securityRoles/1.json"):
            path = self.mnt.p(*rel.split("/"))
            with self.subTest(rel=rel, op="open"):
                self.assertErrno(errno.EACCES, os.open, path, os.O_WRONLY)
            with self.subTest(rel=rel, op="truncate"):
                self.assertErrno(errno.EACCES, os.truncate, path, 0)
        # a read-only collection: the description's or ConnectWise's reports
        folder = "apiReports" if self.emu.dialect == "seed" else "reports"
        name = sorted(os.listdir(self.mnt.p(folder)))[0]
        with self.subTest(op="rm"):
            self.assertErrno(errno.EACCES, os.unlink, self.mnt.p(folder, name))
        with self.subTest(op="create"):
            self.assertErrno(errno.EACCES, write_close,
                             self.mnt.p(folder, "new.json"), "{}")
        self.assertNoWrites()

    def test_ro_mount_refuses_with_erofs(self):
        mnt = self.mount("ttl=60", "ro")
        admin = mnt.p("members", "admin.json")
        read_text(admin)
        self.reset()
        self.assertErrno(errno.EROFS, os.open, admin, os.O_WRONLY)
        self.assertErrno(errno.EROFS, os.unlink, admin)
        self.assertErrno(errno.EROFS, write_close,
                         mnt.p("members", "new.json"), "{}")
        self.assertErrno(errno.EROFS, write_close,
                         mnt.p("members", "4913"), "x")
        self.assertNoWrites()


class RenameTest(RulesTestCase):

    def test_resource_to_scratch_hides_and_back_restores(self):
        bak = self.mnt.p("members", "admin.json.bak")
        os.rename(self.admin, bak)
        self.assertFalse(os.path.exists(self.admin))
        self.assertNotIn("admin.json", os.listdir(self.mnt.p("members")))
        self.assertEqual(read_text(bak), self.original)
        self.assertEqual(self.emu.curl("members/1")["identifier"], "admin")
        os.rename(bak, self.admin)                 # unchanged: no PATCH
        self.assertNoWrites()
        self.assertEqual(read_text(self.admin), self.original)
        self.assertFalse(os.path.exists(bak))

    def test_scratch_onto_resource_commits(self):
        tmp = self.mnt.p("members", "tmp")
        write_close(tmp, self.edited(self.admin, title="Renamed In"))
        self.assertNoRequests()
        os.rename(tmp, self.admin)
        self.assertOnePatch("members/1", [replace_op("title", "Renamed In")])
        self.assertShowsServer("members/admin.json", "members/1")

    def test_rename_onto_a_file_a_reader_holds_is_no_delete(self):
        # sed -i while less has the file open: the open target of a rename
        # is replaced (one PATCH), never deleted and re-created.
        tmp = self.mnt.p("members", "tmp")
        write_close(tmp, self.edited(self.admin, title="Held Open"))
        with open(self.admin) as reader:
            before = reader.read(10)
            os.rename(tmp, self.admin)
            self.assertEqual(before, self.original[:10])
        self.assertEqual(deletes(self.emu), [])
        self.assertOnePatch("members/1", [replace_op("title", "Held Open")])
        self.assertShowsServer("members/admin.json", "members/1")

    def test_resource_to_resource_is_eperm(self):
        for src, dst in [("members/admin.json", "members/jnunez.json"),
                         ("members/admin.json", "members/brandnew.json"),
                         ("callbacks/1.json", "callbacks/2.json"),
                         ("members/admin.json", "callbacks/99.json")]:
            with self.subTest(src=src, dst=dst):
                self.assertErrno(errno.EPERM, os.rename,
                                 self.mnt.p(*src.split("/")),
                                 self.mnt.p(*dst.split("/")))
        self.assertNoWrites()
        self.assertEqual(read_text(self.admin), self.original)

    def test_renameat2_flags(self):
        tmp = self.mnt.p("members", "tmp")
        write_close(tmp, self.edited(self.admin, title="Never"))
        self.assertErrno(errno.EEXIST, renameat2, tmp, self.admin,
                         RENAME_NOREPLACE)
        self.assertErrno(errno.EINVAL, renameat2, tmp, self.admin,
                         RENAME_EXCHANGE)
        self.assertNoWrites()
        self.assertEqual(read_text(self.admin), self.original)
        # NOREPLACE onto a free scratch name is an ordinary rename
        renameat2(tmp, self.mnt.p("members", "tmp2"), RENAME_NOREPLACE)
        self.assertTrue(os.path.exists(self.mnt.p("members", "tmp2")))
        self.assertNoRequests()


class BadInputTest(RulesTestCase):
    """EINVAL, nothing sent, nothing lost."""

    def assertRefused(self, text, how="close", rel="members/admin.json",
                      api_path="members/1"):
        path = self.mnt.p(*rel.split("/"))
        before = self.emu.curl(api_path)
        errors_before = cwmfs_errors(self.mnt)
        self.reset()
        if how == "close":
            self.assertErrno(errno.EINVAL, write_close, path, text,
                             os.O_WRONLY | os.O_TRUNC)
        elif how == "fsync":
            self.assertErrno(errno.EINVAL, write_close, path, text,
                             os.O_WRONLY | os.O_TRUNC, fsync=True)
        elif how == "rename":
            tmp = os.path.join(os.path.dirname(path), "tmp")
            write_close(tmp, text)
            self.assertErrno(errno.EINVAL, os.rename, tmp, path)
        self.assertNoRequests()
        self.assertEqual(self.emu.curl(api_path), before)
        errors = cwmfs_errors(self.mnt)
        self.assertGreater(len(errors), len(errors_before),
                           "/.cwmfs/errors gains a line")
        self.assertIn(rel, errors[len(errors_before):])
        self.assertEqual(cwmfs_rejected(self.mnt, rel), text)
        return errors[len(errors_before):]

    def test_invalid_json(self):
        self.assertRefused('{"title": "unterminated\n')

    def test_invalid_json_on_fsync(self):
        self.assertRefused("{not json}\n", how="fsync")

    def test_invalid_json_by_rename(self):
        self.assertRefused("[1, 2,\n", how="rename")

    def test_empty_file(self):
        self.assertRefused("")

    def test_changed_id(self):
        self.assertRefused(self.edited(self.admin, id=2, title="Sneaky"))

    def test_non_object(self):
        self.assertRefused("[]\n")
        self.assertRefused('"text"\n', rel="callbacks/1.json",
                           api_path="callbacks/1")

    def test_a_good_save_after_a_refusal(self):
        self.assertRefused("{broken")
        good = pretty(dict(json.loads(self.original), title="Fine"))
        write_close(self.admin, good, os.O_WRONLY | os.O_TRUNC)
        self.assertOnePatch("members/1", [replace_op("title", "Fine")])


class ServerErrorTest(RulesTestCase):
    """The server's refusals, mapped to errnos and explained."""

    def save_title(self, title="Faulted"):
        write_close(self.admin, self.edited(self.admin, title=title),
                    os.O_WRONLY | os.O_TRUNC)

    def test_validation_error_is_einval_with_the_message(self):
        text = self.edited(self.admin, firstName="")
        self.assertErrno(errno.EINVAL, write_close, self.admin, text,
                         os.O_WRONLY | os.O_TRUNC)
        calls = patches(self.emu)
        self.assertEqual([(c["path"], c["status"]) for c in calls],
                         [("members/1", 400)])
        self.assertEqual(calls[0]["body"], [replace_op("firstName", "")])
        errors = cwmfs_errors(self.mnt)
        self.assertIn("members/admin.json", errors)
        self.assertIn("member object is invalid", errors)
        self.assertIn("The field firstName is required.", errors)
        self.assertEqual(cwmfs_rejected(self.mnt, "members/admin.json"), text)
        self.assertEqual(self.emu.curl("members/1")["firstName"], "System")

    def fault(self, status, expected_errno):
        self.emu.hook("POST", "faults", {
            "status": status, "path_contains": "members/", "method": "PATCH",
            "body": {"code": "Emulated", "message": "emulated %d" % status,
                     "errors": None}})
        self.assertErrno(expected_errno, self.save_title)
        self.assertEqual([(c["method"], c["status"])
                          for c in writes(self.emu)], [("PATCH", status)])
        self.assertIn("members/admin.json", cwmfs_errors(self.mnt))
        self.assertEqual(self.emu.curl("members/1")["title"], ADMIN_TITLE)

    def test_404_is_enoent(self):
        self.fault(404, errno.ENOENT)

    def test_403_is_eacces(self):
        self.fault(403, errno.EACCES)

    def test_409_is_ebusy(self):
        self.fault(409, errno.EBUSY)

    def test_create_refused_by_the_server_stays_a_draft(self):
        path = self.mnt.p("members", "admin2.json")
        text = json.dumps({"identifier": "admin2", "firstName": "A"})
        self.assertErrno(errno.EINVAL, write_close, path, text)  # no lastName
        self.assertEqual([(c["method"], c["status"])
                          for c in writes(self.emu)], [("POST", 400)])
        self.assertIn("The field lastName is required.",
                      cwmfs_errors(self.mnt))
        self.assertEqual(read_text(path), text)


class LostUpdateTest(RulesTestCase):

    def test_same_field_changed_on_both_sides_is_refused(self):
        mine = self.edited(self.admin, title="Mine")
        self.emu.hook("PATCH", "objects/members/1", {"title": "Theirs"})
        self.reset()
        self.assertErrno((ESTALE, errno.EBUSY), write_close, self.admin,
                         mine, os.O_WRONLY | os.O_TRUNC)
        self.assertEqual(patches(self.emu), [])
        self.assertNoWrites()
        self.assertEqual(self.emu.curl("members/1")["title"], "Theirs")
        self.assertIn("members/admin.json", cwmfs_errors(self.mnt))
        self.assertEqual(cwmfs_rejected(self.mnt, "members/admin.json"), mine)

    def test_different_fields_merge(self):
        mine = self.edited(self.admin, title="Mine")
        self.emu.hook("PATCH", "objects/members/1", {"notes": "theirs"})
        self.reset()
        write_close(self.admin, mine, os.O_WRONLY | os.O_TRUNC)
        self.assertOnePatch("members/1", [replace_op("title", "Mine")])
        self.assertLessEqual(
            len(object_gets(self.emu, "members/1", "members/admin")), 1)
        server = self.assertShowsServer("members/admin.json", "members/1")
        self.assertEqual((server["title"], server["notes"]),
                         ("Mine", "theirs"))

    def test_two_mounts(self):
        a, b = self.mnt, self.mount()
        pa, pb = a.p("members", "admin.json"), b.p("members", "admin.json")
        text_a, text_b = read_text(pa), read_text(pb)
        self.assertEqual(text_a, text_b)
        self.reset()

        def change(text, **fields):
            obj = json.loads(text)
            obj.update(fields)
            return pretty(obj)

        write_close(pa, change(text_a, title="A title"),
                    os.O_WRONLY | os.O_TRUNC)
        write_close(pb, change(text_b, notes="B notes"),
                    os.O_WRONLY | os.O_TRUNC)
        self.assertEqual([c["body"] for c in patches(self.emu)],
                         [[replace_op("title", "A title")],
                          [replace_op("notes", "B notes")]])
        server = self.emu.curl("members/1")
        self.assertEqual((server["title"], server["notes"]),
                         ("A title", "B notes"))
        # now both change the title: the second one is refused
        text_a, text_b = read_text(pa), read_text(pb)
        self.reset()
        write_close(pa, change(text_a, title="A again"),
                    os.O_WRONLY | os.O_TRUNC)
        b_text = change(text_b, title="B again")
        self.assertErrno((ESTALE, errno.EBUSY), write_close, pb, b_text,
                         os.O_WRONLY | os.O_TRUNC)
        self.assertEqual([c["body"] for c in patches(self.emu)],
                         [[replace_op("title", "A again")]])
        self.assertEqual(self.emu.curl("members/1")["title"], "A again")
        self.assertIn("members/admin.json", cwmfs_errors(b))
        self.assertEqual(cwmfs_rejected(b, "members/admin.json"), b_text)


class DescribedServerTest(RulesTestCase):
    """What only a server like the user's description does: it deletes
    members, and answers writes to the setup folders with 405 (a real
    server's refusal of member DELETE is in test_dialects)."""

    dialect = "seed"

    def test_rm_member(self):
        nsmith_id = json.loads(read_text(self.mnt.p("members",
                                                    "nsmith.json")))["id"]
        self.reset()
        res = run(["rm", self.mnt.p("members", "nsmith.json")])
        self.assertEqual(res.returncode, 0, res.stderr)
        calls = writes(self.emu)
        self.assertEqual([(c["method"], c["path"], c["status"])
                          for c in calls],
                         [("DELETE", "members/%d" % nsmith_id, 204)])
        self.assertNotIn("nsmith.json", os.listdir(self.mnt.p("members")))
        self.assertFalse(os.path.exists(self.mnt.p("members", "nsmith.json")))
        self.assertNotIn("nsmith", [m["identifier"] for m in
                                    self.emu.curl_all("members")])

    def test_writes_the_server_refuses_are_tried_once(self):
        # ConnectWise documents these writes; a server like the user's
        # description answers 405 (Allow: GET), and is not asked again
        for rel in ("departments/1.json", "locations/1.json",
                    "members/types/1.json"):
            path = self.mnt.p(*rel.split("/"))
            with self.subTest(rel=rel):
                self.assertErrno(errno.EPERM, os.unlink, path)
                self.assertErrno(errno.EACCES, os.open, path, os.O_WRONLY)
                self.assertErrno(errno.EACCES, os.truncate, path, 0)
                self.assertErrno(errno.EPERM, os.unlink, path)
        for rel in ("departments/99.json", "members/types/99.json",
                    "locations/new.json", "securityRoles/new.json"):
            with self.subTest(rel=rel, op="create"):
                for _ in range(2):
                    self.assertErrno(errno.EROFS, write_close,
                                     self.mnt.p(*rel.split("/")),
                                     '{"name": "x"}')
        self.assertEqual(sorted((c["method"], c["path"], c["status"])
                                for c in writes(self.emu)),
                         [("DELETE", "departments/1", 405),
                          ("DELETE", "locations/1", 405),
                          ("DELETE", "members/types/1", 405),
                          ("POST", "departments", 405),
                          ("POST", "locations", 405),
                          ("POST", "members/types", 405),
                          ("POST", "securityRoles", 405)])

class MassDeleteTest(WriteTestCase):
    """rm -r over members, which only a server like the description lets
    go (a real one refuses every member DELETE)."""

    dialect = "seed"
    members = 12

    def test_rm_r_stops_at_max_deletes(self):
        mnt = self.mount("ttl=60", "max_deletes=3")
        os.listdir(mnt.p("members"))
        self.reset()
        res = run(["rm", "-r", mnt.p("members")], stdin=subprocess.DEVNULL)
        self.assertNotEqual(res.returncode, 0)
        calls = deletes(self.emu)
        self.assertEqual(len(calls), 3, calls)
        # rm -r also walks members/types, which this server (like the
        # description) refuses to delete from: a 405 still took its slot
        gone = [c for c in calls if c["status"] == 204]
        self.assertTrue(all(c["status"] == 405 and "types/" in c["path"]
                            for c in calls if c not in gone), calls)
        self.assertEqual(len(self.emu.curl_all("members")), 12 - len(gone))
        self.assertTrue(os.path.isdir(mnt.p("members")))
        left = [n for n in os.listdir(mnt.p("members")) if n.endswith(".json")]
        self.assertEqual(len(left), 12 - len(gone))
        self.assertIn("max_deletes", cwmfs_errors(mnt))
        self.reset()
        self.assertEqual(
            errno.EPERM,
            self._unlink_errno(mnt.p("members", left[0])))
        self.assertEqual(deletes(self.emu), [])

    def _unlink_errno(self, path):
        try:
            os.unlink(path)
        except OSError as exc:
            return exc.errno
        return 0

    def test_default_limit_is_ten(self):
        mnt = self.mount()
        names = sorted(n for n in os.listdir(mnt.p("members"))
                       if n.endswith(".json") and n != "admin.json")
        self.assertEqual(len(names), 11)
        self.reset()
        results = [self._unlink_errno(mnt.p("members", n)) for n in names]
        self.assertEqual(results, [0] * 10 + [errno.EPERM])
        self.assertEqual(len(deletes(self.emu)), 10)
        self.assertTrue(os.path.exists(mnt.p("members", names[-1])))


if __name__ == "__main__":
    unittest.main()
