"""The conditions grammar, orderBy, fields and /count."""

import unittest
from urllib.parse import quote

from emu_helpers import EmulatorTestCase
from cwmemu.conditions import (LITERAL_HELP, ConditionError, FieldCatalog,
                               compile_conditions)

ROWS = [
    {"id": 1, "name": "Alpha", "score": 10, "ok": True, "when":
     "2016-08-20T18:04:26Z", "dept": {"id": 1, "name": "Sales"},
     "note": 'say "hi"'},
    {"id": 2, "name": "beta", "score": 2.5, "ok": False, "when":
     "2020-01-01T00:00:00Z", "dept": {"id": 2, "name": "Ops"}, "note": None},
    {"id": 3, "name": "Gamma", "score": -4, "ok": True, "when": None,
     "dept": None, "note": "it's"},
]
CATALOG = FieldCatalog(ROWS[0])


def ids(text):
    pred = compile_conditions(text, CATALOG)
    return [r["id"] for r in ROWS if pred(r)]


class GrammarTests(unittest.TestCase):
    def test_comparisons(self):
        self.assertEqual(ids("score = 10"), [1])
        self.assertEqual(ids("score != 10"), [2, 3])
        self.assertEqual(ids("score < 2.5"), [3])
        self.assertEqual(ids("score <= 2.5"), [2, 3])
        self.assertEqual(ids("score > -4"), [1, 2])
        self.assertEqual(ids("score >= -4"), [1, 2, 3])
        self.assertEqual(ids("name > 'alpha'"), [2, 3])  # case-insensitive

    def test_strings_are_case_insensitive_and_quoted(self):
        self.assertEqual(ids('name = "ALPHA"'), [1])
        self.assertEqual(ids("name = 'beta'"), [2])
        self.assertEqual(ids(r'note = "say \"hi\""'), [1])
        self.assertEqual(ids(r"note = 'it\'s'"), [3])

    def test_contains_like_in_and_negations(self):
        self.assertEqual(ids('name contains "MM"'), [3])
        self.assertEqual(ids('name not contains "a"'), [])
        self.assertEqual(ids('name like "%ta"'), [2])
        self.assertEqual(ids('name like "g*"'), [3])
        self.assertEqual(ids('name like "alpha"'), [1])
        self.assertEqual(ids('name not like "%a"'), [])
        self.assertEqual(ids('name NOT LIKE "b%"'), [1, 3])
        self.assertEqual(ids("id in (1, 3)"), [1, 3])
        self.assertEqual(ids("id not in (1,3)"), [2])
        self.assertEqual(ids('name in ("ALPHA", "gamma")'), [1, 3])

    def test_booleans_null_and_datetimes(self):
        self.assertEqual(ids("ok = true"), [1, 3])
        self.assertEqual(ids("ok = False"), [2])
        self.assertEqual(ids("note = null"), [2])
        self.assertEqual(ids("note != NULL"), [1, 3])
        self.assertEqual(ids("when > [2016-08-20T18:04:26Z]"), [2])
        self.assertEqual(ids("when >= [2016-08-20T18:04:26Z]"), [1, 2])
        self.assertEqual(ids("when < [2017-01-01]"), [1])
        self.assertEqual(ids("when = null"), [3])

    def test_nested_fields_and_missing_as_null(self):
        self.assertEqual(ids("dept/id = 2"), [2])
        self.assertEqual(ids('DEPT/Name = "sales"'), [1])
        self.assertEqual(ids("dept/name = null"), [3])
        self.assertEqual(ids("dept = null"), [3])

    def test_and_binds_tighter_than_or(self):
        self.assertEqual(ids("id = 1 or id = 2 and ok = true"), [1])
        self.assertEqual(ids("(id = 1 or id = 2) and ok = true"), [1])
        self.assertEqual(ids("id = 3 OR (ok = false AND score > 0)"), [2, 3])
        self.assertEqual(ids("((id=1))"), [1])

    def errors(self, text, *fragments):
        with self.assertRaises(ConditionError) as ctx:
            compile_conditions(text, CATALOG)
        for fragment in fragments:
            self.assertIn(fragment, str(ctx.exception))

    def test_literal_errors_quote_the_server_text(self):
        for text in ("name = alpha", "score = 5x", "when = 2016-01-01",
                     "ok = yes", "name = ", "when > [not a date]",
                     'name = "open'):
            with self.subTest(text=text):
                self.errors(text, LITERAL_HELP)

    def test_syntax_errors_name_the_position(self):
        self.errors("name", "position 5")
        self.errors('(name = "a"', "Expected ')'")
        self.errors('name = "a" name = "b"', "position 12")
        self.errors('name = "a" and', "field name")
        self.errors("name ! 'a'", "'!='")
        self.errors("id in 1, 2", "'('")
        self.errors("id in (1 2)", "')'")
        self.errors('name not = "a"', "after 'not'")
        self.errors("", "empty")

    def test_type_misuse(self):
        self.errors('score = "10"', LITERAL_HELP)
        self.errors("name = 10", LITERAL_HELP)
        self.errors('when = "2016-08-20T18:04:26Z"', LITERAL_HELP)
        self.errors('score contains "1"', "text fields")
        self.errors("name contains 1", "quoted string")
        self.errors("ok < true", "boolean")
        self.errors("note > null", "null")
        self.errors("dept = 1", "dept/id")

    def test_unknown_field(self):
        self.errors("bogus = 1", "Unknown field 'bogus'")
        self.errors("dept/bogus = 1", "Unknown field")


class QueryOverHttpTests(EmulatorTestCase):
    dialect = "seed"
    def ids(self, query):
        return [m["id"] for m in self.ok("GET", f"members?pageSize=1000&"
                                                f"{query}")]

    def cond(self, text):
        return self.ids("conditions=" + quote(text))

    def test_seed_example_query(self):
        got = self.cond("inactiveFlag=false and type/id=1")
        self.assertEqual(got, [1])

    def test_conditions_on_members(self):
        self.assertEqual(self.cond('identifier = "ADMIN"'), [1])
        self.assertEqual(self.cond('firstName = "zoë"'),
                         self.cond('firstName like "Zo%"'))
        self.assertIn(3, self.cond('notes contains "\\"Pepe\\""'))
        self.assertEqual(self.cond("reportsTo/id = 1 and id < 8"),
                         [2, 3, 4, 5, 6, 7])
        self.assertTrue(self.cond("lastUpdated > [2023-01-15T08:30:00Z]"))
        self.assertEqual(self.cond("_info/updatedBy = 'nobody'"), [])

    def test_condition_errors_are_400_invalid_object(self):
        body = self.error("GET", "members?conditions=" + quote("identifier = admin"),
                          400, "InvalidObject")
        self.assertIn("String values should be enclosed", body["message"])
        self.assertIsNone(body["errors"])
        self.error("GET", "members?conditions=" + quote("nope = 1"), 400,
                   "InvalidObject")
        self.error("GET", "members/count?conditions=" + quote("id ="), 400)

    def test_count_honours_conditions(self):
        n = len(self.cond("inactiveFlag = true"))
        self.assertEqual(self.ok("GET", "members/count?conditions=" +
                                 quote("inactiveFlag = true")), {"count": n})

    def test_order_by(self):
        members = self.ok("GET", "members?pageSize=1000&orderBy=" +
                          quote("lastName asc, firstName DESC"))
        keys = [(m["lastName"].lower(), m["firstName"].lower())
                for m in members]
        by_last = [k[0] for k in keys]
        self.assertEqual(by_last, sorted(by_last))
        for a, b in zip(keys, keys[1:]):
            if a[0] == b[0]:
                self.assertGreaterEqual(a[1], b[1])
        depts = self.ok("GET", "members?pageSize=1000&orderBy=" +
                        quote("department/name desc"))
        names = [m["department"]["name"] for m in depts]
        self.assertEqual(names, sorted(names, reverse=True))
        # Ties fall back to id ascending.
        same = [m["id"] for m in depts if m["department"]["name"] == names[0]]
        self.assertEqual(same, sorted(same))
        self.assertEqual(self.ids("orderBy=id%20desc")[0], 40)
        self.error("GET", "members?orderBy=bogus", 400, "InvalidObject")
        self.error("GET", "members?orderBy=id%20sideways", 400)

    def test_fields(self):
        members = self.ok("GET", "members?pageSize=2&fields=" +
                          quote("department/name,identifier,ID"))
        self.assertEqual(members[0], {"id": 1, "identifier": "admin",
                                      "department": {"name":
                                                     "Administration"}})
        self.assertEqual(list(members[1]), ["id", "identifier", "department"])
        one = self.ok("GET", "members/admin?fields=firstName")
        self.assertEqual(one, {"firstName": "System"})


if __name__ == "__main__":
    unittest.main()
