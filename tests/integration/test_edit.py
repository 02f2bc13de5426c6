"""The write side driven by real editors and tools: vim (every backupcopy
and swap-file setting), nano and emacs typed into through tmux, sed -i,
jq > tmp && mv, cp, shell redirections, os.replace and a VS Code-style
truncating write.

Each save is checked three ways: the emulator's log (exactly one PATCH,
POST or DELETE with the precise body, at most one GET of the object for
the lost-update check, never a DELETE from a save), the server's object
fetched directly with curl, and the file read back through the mount
(the server's answer, with its size and mtime)."""
import json
import os
import time
import shutil
import subprocess
import tempfile
import unittest

from harness import (Tmux, WriteTestCase, editor_env, object_gets, pretty,
                     read_text, run, stamp_epoch, writes)

ADMIN_TITLE = "System Administrator"


def replace_op(field, value):
    return {"op": "replace", "path": field, "value": value}


class EditTestCase(WriteTestCase):
    """A mount per test, cache warmed, log reset before the action."""

    def setUp(self):
        super().setUp()
        self.mnt = self.mount(outside_tmp=True)
        self.members_dir = self.mnt.p("members")
        self.admin = self.mnt.p("members", "admin.json")
        self.original = read_text(self.admin)
        os.listdir(self.members_dir)
        os.listdir(self.mnt.p("callbacks"))
        self.reset()

    def outside(self, name, text):
        """A file outside the mount (a scratch dir of this test)."""
        d = tempfile.mkdtemp(prefix="cwmfs-edit-")
        self.addCleanup(shutil.rmtree, d, True)
        path = os.path.join(d, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def edited(self, path, **changes):
        """The file's text with top-level fields changed, pretty."""
        obj = json.loads(read_text(path))
        obj.update(changes)
        return pretty(obj)

    # -- the checks every save goes through ------------------------------

    def assertSaved(self, rel, api_path, ops=None, method="PATCH",
                    also_get=(), expect=None):
        """Exactly one `method` call to system/api_path (with body `ops`
        when given), no other write, at most one GET of the object; the
        server holds `expect` (field -> value) and the file shows the
        server's answer with its size and mtime."""
        calls = writes(self.emu)
        self.assertEqual([(c["method"], c["path"]) for c in calls],
                         [(method, api_path)],
                         "one %s per save; got %r" % (method, calls))
        self.assertIn(calls[0]["status"], (200, 201), calls[0])
        if ops is not None:
            self.assertEqual(calls[0]["body"], ops)
        if method == "PATCH":
            self.assertNotIn("_info", [op.get("path") for op in
                                       calls[0]["body"]])
        self.assertLessEqual(
            len(object_gets(self.emu, api_path, *also_get)), 1,
            "at most one GET of the object (the lost-update check)")
        server = self.emu.curl(api_path)
        for field, value in (expect or {}).items():
            self.assertEqual(server[field], value, field)
        self.assertFileShows(rel, server)
        return server

    def assertFileShows(self, rel, server):
        path = self.mnt.p(*rel.split("/"))
        res = run(["cat", path])
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertEqual(res.stdout, pretty(server))
        st = os.stat(path)
        self.assertEqual(st.st_size, len(pretty(server).encode("utf-8")))
        # The saved file keeps the mtime the editor saw while writing (so
        # it never reports "changed on disk"); that is the save's moment,
        # which the server stamped as lastUpdated within a second or two.
        self.assertLessEqual(abs(int(st.st_mtime) -
                                 stamp_epoch(server["_info"]["lastUpdated"])), 2)
        time.sleep(1.1)  # past the kernel's caches: still the same
        self.assertEqual(os.stat(path).st_mtime, st.st_mtime)

    def assertNoWrites(self):
        self.assertEqual(writes(self.emu), [])

    def assertAdminSaved(self, title, **kw):
        server = self.assertSaved("members/admin.json", "members/1",
                                  [replace_op("title", title)],
                                  also_get=("members/admin",),
                                  expect={"title": title}, **kw)
        res = run(["grep", '"title": "%s"' % title, self.admin])
        self.assertEqual(res.returncode, 0, "grep sees the new title")
        return server

    def assertNoLeftovers(self, *names):
        listing = os.listdir(self.members_dir)
        for name in names:
            self.assertNotIn(name, listing)


class VimTest(EditTestCase):
    """vim -es: every way vim writes a file."""

    def vim(self, title, *settings, swap=False):
        """vim -es: substitute the title, :wq.  swap=True keeps vim's swap
        file, made in the mount (directory=. before the file loads), and
        checks it was there."""
        argv = ["vim", "-u", "NONE", "-i", "NONE", "-N", "-es"]
        sets = [a for s in settings for a in ("-c", s)]
        if swap:
            argv += ["--cmd", "set directory=."]
            record = self.outside("swapname", "")
            sets = ["-c", "call writefile([fnamemodify(swapname('%%'), "
                    "':p')], '%s')" % record] + sets
        else:
            argv.append("-n")
        argv += sets + ["-c", '%%s/"title": ".*"/"title": "%s"/' % title,
                        "-c", "wq", "admin.json"]
        res = run(argv, cwd=self.members_dir, stdin=subprocess.DEVNULL,
                  env=editor_env())
        self.assertEqual(res.returncode, 0,
                         "vim :wq failed: %s%s" % (res.stdout, res.stderr))
        if swap:
            self.assertEqual(read_text(record).strip(),
                             self.mnt.p("members", ".admin.json.swp"))

    def test_backupcopy_auto_without_swap(self):
        self.vim("Vim Auto", "set backupcopy=auto")
        self.assertAdminSaved("Vim Auto")
        self.assertNoLeftovers("4913", "admin.json~", ".admin.json.swp")

    def test_backupcopy_auto_with_swap_in_the_mount(self):
        self.vim("Vim Auto Swap", "set backupcopy=auto", swap=True)
        self.assertAdminSaved("Vim Auto Swap")
        self.assertNoLeftovers("4913", "admin.json~", ".admin.json.swp")

    def test_backupcopy_yes(self):
        self.vim("Vim Yes", "set backupcopy=yes")
        self.assertAdminSaved("Vim Yes")
        self.assertNoLeftovers("admin.json~")

    def test_backupcopy_yes_with_swap(self):
        self.vim("Vim Yes Swap", "set backupcopy=yes", swap=True)
        self.assertAdminSaved("Vim Yes Swap")
        self.assertNoLeftovers("admin.json~", ".admin.json.swp")

    def test_backupcopy_no(self):
        """rename(admin.json -> admin.json~), a new admin.json, unlink of
        the backup: one PATCH, and the backup's unlink deletes nothing."""
        self.vim("Vim No", "set backupcopy=no")
        self.assertAdminSaved("Vim No")
        self.assertNoLeftovers("admin.json~")

    def test_backupcopy_no_with_swap(self):
        self.vim("Vim No Swap", "set backupcopy=no", swap=True)
        self.assertAdminSaved("Vim No Swap")
        self.assertNoLeftovers("admin.json~", ".admin.json.swp")

    def test_kept_backup(self):
        """set backup: admin.json~ stays, holding the old text."""
        self.vim("Vim Backup", "set backup writebackup backupcopy=no",
                 swap=True)
        self.assertAdminSaved("Vim Backup")
        self.assertEqual(read_text(self.mnt.p("members", "admin.json~")),
                         self.original)
        self.assertNoLeftovers(".admin.json.swp", "4913")

    def test_unchanged_write_sends_nothing(self):
        res = run(["vim", "-u", "NONE", "-i", "NONE", "-N", "-es", "-n",
                   "-c", "wq", "admin.json"], cwd=self.members_dir,
                  stdin=subprocess.DEVNULL, env=editor_env())
        self.assertEqual(res.returncode, 0, res.stdout + res.stderr)
        self.assertNoWrites()
        self.assertEqual(read_text(self.admin), self.original)

    def test_callback(self):
        res = run(["vim", "-u", "NONE", "-i", "NONE", "-N", "-es", "-n",
                   "-c", '%s/"description": ".*"/"description": "Vim CB"/',
                   "-c", "wq", "1.json"], cwd=self.mnt.p("callbacks"),
                  stdin=subprocess.DEVNULL, env=editor_env())
        self.assertEqual(res.returncode, 0, res.stdout + res.stderr)
        self.assertSaved("callbacks/1.json", "callbacks/1",
                         [replace_op("description", "Vim CB")],
                         expect={"description": "Vim CB"})


class NanoTest(EditTestCase):
    """nano in tmux, typed into as a person would."""

    def nano_edit_title(self, title, *flags):
        t = self.tmux(["nano", *flags, "admin.json"], cwd=self.members_dir)
        t.wait_for('"identifier": "admin"')  # the title may be below
        t.send("C-w")
        t.wait_for("Search")
        t.type('"title": "')
        t.send("Enter")
        t.send("C-k")                      # cut the whole line
        t.type('  "title": "%s",' % title)
        t.send("Enter")
        t.wait_for('"title": "%s",' % title)
        t.send("C-o")
        t.wait_for("File Name to Write")
        t.send("Enter")
        t.wait_for("Wrote")
        t.send("C-x")
        self.assertEqual(t.wait_exit(), 0)

    def test_search_edit_save(self):
        self.nano_edit_title("Nano Title")
        self.assertAdminSaved("Nano Title")

    def test_with_backup_file(self):
        """nano -B writes admin.json~ (a scratch copy) before saving."""
        self.nano_edit_title("Nano Backup", "-B")
        self.assertAdminSaved("Nano Backup")
        self.assertEqual(read_text(self.mnt.p("members", "admin.json~")),
                         self.original)


class EmacsTest(EditTestCase):
    """emacs -nw -Q in tmux: lock symlink, auto-save file, backup by
    renaming the original on the first save."""

    def start(self):
        t = self.tmux(["emacs", "-nw", "-Q", "admin.json"],
                      cwd=self.members_dir)
        t.wait_for('"identifier": "admin"')  # the title may be below
        return t

    def edit_title(self, t, old, new):
        t.send("C-s")
        t.type('"title": "')
        t.send("Enter")                    # leave isearch after the match
        t.send("C-k")                      # kill to the end of the line
        t.type('%s",' % new)
        t.wait_for('"title": "%s",' % new,
                   fail=Tmux.FAILURES + ("changed on disk",))

    def save(self, t):
        t.send("C-x", "C-s")
        t.wait_for("Wrote ", fail=Tmux.FAILURES + ("changed on disk",))

    def quit(self, t):
        t.send("C-x", "C-c")
        self.assertEqual(t.wait_exit(), 0)

    def test_edit_lock_autosave_save(self):
        t = self.start()
        self.edit_title(t, ADMIN_TITLE, "Emacs Title")
        lock = self.mnt.p("members", ".#admin.json")
        self.assertTrue(os.path.islink(lock), "emacs's lock symlink")
        self.assertIn("@", os.readlink(lock))
        t.send("M-x")
        t.type("do-auto-save")
        t.send("Enter")
        t.wait_for("Auto-saving...done")
        self.assertTrue(os.path.exists(self.mnt.p("members", "#admin.json#")))
        self.assertNoWrites()              # lock and auto-save: scratch
        self.save(t)
        self.quit(t)
        self.assertAdminSaved("Emacs Title")
        # the first save renamed the original to its backup
        self.assertEqual(read_text(self.mnt.p("members", "admin.json~")),
                         self.original)
        self.assertNoLeftovers(".#admin.json", "#admin.json#")

    def test_two_saves_in_one_session(self):
        """The second save must not meet "changed on disk" (the mtime
        emacs saw after its write is the one the file keeps)."""
        t = self.start()
        self.edit_title(t, ADMIN_TITLE, "Emacs One")
        self.save(t)
        self.assertAdminSaved("Emacs One")
        self.reset()
        t.send("M-<")
        self.edit_title(t, "Emacs One", "Emacs Two")
        self.save(t)
        self.quit(t)
        self.assertAdminSaved("Emacs Two")


class ToolTest(EditTestCase):
    """sed, jq, cp, shell redirections, Python, a VS Code-style write."""

    def test_sed_in_place(self):
        res = run(["sed", "-i", 's/"title": ".*"/"title": "Sed Title"/',
                   self.admin])
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertAdminSaved("Sed Title")
        self.assertEqual([n for n in os.listdir(self.members_dir)
                          if n.startswith("sed")], [])

    def test_sed_on_a_callback(self):
        path = self.mnt.p("callbacks", "2.json")
        read_text(path)
        self.reset()
        res = run(["sed", "-i",
                   's/"description": ".*"/"description": "Sed CB"/', path])
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertSaved("callbacks/2.json", "callbacks/2",
                         [replace_op("description", "Sed CB")],
                         expect={"description": "Sed CB"})

    def test_jq_to_tmp_then_mv(self):
        res = run(["sh", "-c", "jq '.title = \"JQ\"' admin.json > tmp "
                   "&& mv tmp admin.json"], cwd=self.members_dir)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertAdminSaved("JQ")
        self.assertNoLeftovers("tmp")

    def test_cp_a_copy_made_outside(self):
        src = self.outside("admin.json",
                           self.edited(self.admin, title="Copied"))
        res = run(["cp", src, self.admin])
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertAdminSaved("Copied")

    def test_shell_redirect_overwrite(self):
        src = self.outside("new", self.edited(self.admin, title="Redirected"))
        res = run(["sh", "-c", 'cat "$1" > "$2"', "sh", src, self.admin])
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertAdminSaved("Redirected")

    def test_shell_append_newline_is_no_change(self):
        res = run(["sh", "-c", 'echo >> "$1"', "sh", self.admin])
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertNoWrites()
        self.assertEqual(self.emu.curl("members/1")["title"], ADMIN_TITLE)

    def test_shell_append_creates_a_member(self):
        body = {"identifier": "appended", "firstName": "Ap",
                "lastName": "Pended", "securityRole": {"id": 1}}
        src = self.outside("body.json", json.dumps(body) + "\n")
        new = self.mnt.p("members", "appended.json")
        res = run(["sh", "-c", 'cat "$1" >> "$2"', "sh", src, new])
        self.assertEqual(res.returncode, 0, res.stderr)
        calls = writes(self.emu)
        self.assertEqual([(c["method"], c["path"]) for c in calls],
                         [("POST", "members")])
        self.assertEqual(calls[0]["status"], 201)
        self.assertEqual(calls[0]["body"], body)
        server = self.emu.curl("members/appended")
        self.assertFileShows("members/appended.json", server)

    def test_python_os_replace(self):
        tmp = self.mnt.p("members", "admin.json.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(self.edited(self.admin, title="Replaced"))
        self.assertNoWrites()             # writing the scratch file: nothing
        os.replace(tmp, self.admin)
        self.assertAdminSaved("Replaced")
        self.assertFalse(os.path.exists(tmp))

    def test_vscode_style_truncating_write(self):
        text = self.edited(self.admin, title="Code")
        fd = os.open(self.admin, os.O_WRONLY | os.O_TRUNC)
        try:
            os.write(fd, text.encode("utf-8"))
        finally:
            os.close(fd)
        self.assertAdminSaved("Code")

    def test_nested_object_and_unicode(self):
        """A member with unicode and escapes: only the changed nested
        object is sent, whole."""
        path = self.mnt.p("members", "jnunez.json")
        obj = json.loads(read_text(path))
        field = "department" if self.emu.dialect == "seed" \
            else "defaultDepartment"
        dept = {"id": 2}
        self.reset()
        obj[field] = dept
        src = self.outside("jnunez.json", pretty(obj))
        res = run(["cp", src, path])
        self.assertEqual(res.returncode, 0, res.stderr)
        server = self.assertSaved("members/jnunez.json", "members/3",
                                  [replace_op(field, dept)],
                                  also_get=("members/jnunez",))
        self.assertEqual(server[field]["id"], 2)
        self.assertIn("東京", read_text(path))


if __name__ == "__main__":
    unittest.main()
