/* test_jsonpatch.c - unit tests for jsonpatch.c: top-level diff, lost-update
 * check, apply. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "jsonpatch.h"
#include "unit.h"

/* What cwmfs passes: ConnectWise's _info block is metadata, never saved. */
static const char *const IGNORE_INFO[] = { "_info", NULL };

/* JSON written with ' for " keeps the expectations readable; no test key or
 * value holds a real apostrophe. */
static char *dequote(const char *text)
{
    char *copy = strdup(text);
    for (char *p = copy; p && *p; p++)
        if (*p == '\'')
            *p = '"';
    return copy;
}

static cJSON *parse(const char *text)
{
    char *json = dequote(text);
    cJSON *item = json ? cJSON_Parse(json) : NULL;
    if (!item)
        fprintf(stderr, "test bug: cannot parse %s\n", text);
    free(json);
    return item;
}

/* Compact JSON of `item` equals `expected` (in ' notation). */
static void check_json(const cJSON *item, const char *expected, int line)
{
    char *got = item ? cJSON_PrintUnformatted(item) : NULL;
    char *want = dequote(expected);
    if (!got || strcmp(got, want) != 0)
        fprintf(stderr, "  (from line %d)\n", line);
    CHECK_STR_EQ(got, want);
    free(got);
    free(want);
}
#define CHECK_JSON(item, expected) check_json(item, expected, __LINE__)

/* diff(base, target) with cwmfs's ignore list renders as `expected`. */
static void check_diff(const char *base, const char *target,
                       const char *expected, int line)
{
    cJSON *b = parse(base);
    cJSON *t = parse(target);
    cJSON *patch = jsonpatch_diff(b, t, IGNORE_INFO);
    CHECK(patch != NULL);
    check_json(patch, expected, line);
    cJSON_Delete(patch);
    cJSON_Delete(b);
    cJSON_Delete(t);
}
#define DIFFS(base, target, expected) \
    check_diff(base, target, expected, __LINE__)

/* ---- diff --------------------------------------------------------------- */

static void test_diff_no_change(void)
{
    DIFFS("{}", "{}", "[]");
    DIFFS("{'id':1,'s':'x','o':{'a':[1,2]}}",
          "{'id':1,'s':'x','o':{'a':[1,2]}}", "[]");
    /* Reordering members is no change: only values count. */
    DIFFS("{'a':1,'b':2}", "{'b':2,'a':1}", "[]");

    cJSON *obj = parse("{'a':1}");
    cJSON *patch = jsonpatch_diff(obj, obj, NULL);
    CHECK(jsonpatch_is_empty(patch));
    cJSON_Delete(patch);
    cJSON_Delete(obj);
}

static void test_diff_scalars(void)
{
    DIFFS("{'id':1,'summary':'old'}", "{'id':1,'summary':'new'}",
          "[{'op':'replace','path':'summary','value':'new'}]");
    DIFFS("{'n':1}", "{'n':2.5}", "[{'op':'replace','path':'n','value':2.5}]");
    DIFFS("{'b':true}", "{'b':false}",
          "[{'op':'replace','path':'b','value':false}]");
    /* A type change is a change even when it prints alike. */
    DIFFS("{'n':1}", "{'n':'1'}", "[{'op':'replace','path':'n','value':'1'}]");
}

static void test_diff_add_remove(void)
{
    DIFFS("{'id':1}", "{'id':1,'budget':5}",
          "[{'op':'add','path':'budget','value':5}]");
    DIFFS("{'id':1,'budget':5}", "{'id':1}",
          "[{'op':'remove','path':'budget'}]");
    /* Keys are case-sensitive: a renamed key is an add and a remove. */
    DIFFS("{'Name':'x'}", "{'name':'x'}",
          "[{'op':'add','path':'name','value':'x'},"
          "{'op':'remove','path':'Name'}]");
}

static void test_diff_nested_replaced_whole(void)
{
    DIFFS("{'id':1,'board':{'id':3,'name':'Ops'}}",
          "{'id':1,'board':{'id':4,'name':'Ops'}}",
          "[{'op':'replace','path':'board','value':{'id':4,'name':'Ops'}}]");
    DIFFS("{'o':{'a':{'b':1}}}", "{'o':{'a':{'b':1,'c':2}}}",
          "[{'op':'replace','path':'o','value':{'a':{'b':1,'c':2}}}]");
    /* Object to scalar and back. */
    DIFFS("{'o':{'a':1}}", "{'o':7}",
          "[{'op':'replace','path':'o','value':7}]");
}

static void test_diff_arrays_replaced_whole(void)
{
    DIFFS("{'t':[1,2,3]}", "{'t':[1,2,4]}",
          "[{'op':'replace','path':'t','value':[1,2,4]}]");
    DIFFS("{'t':[1,2]}", "{'t':[2,1]}",
          "[{'op':'replace','path':'t','value':[2,1]}]");
    DIFFS("{'t':[{'id':1}]}", "{'t':[{'id':1},{'id':2}]}",
          "[{'op':'replace','path':'t','value':[{'id':1},{'id':2}]}]");
    DIFFS("{'t':[1]}", "{'t':[]}", "[{'op':'replace','path':'t','value':[]}]");
}

static void test_diff_nulls(void)
{
    DIFFS("{'a':1}", "{'a':null}",
          "[{'op':'replace','path':'a','value':null}]");
    DIFFS("{'a':null}", "{'a':2}", "[{'op':'replace','path':'a','value':2}]");
    DIFFS("{'a':null}", "{'a':null}", "[]");
    /* null and absent are different states. */
    DIFFS("{}", "{'a':null}", "[{'op':'add','path':'a','value':null}]");
    DIFFS("{'a':null}", "{}", "[{'op':'remove','path':'a'}]");
}

static void test_diff_ignore(void)
{
    DIFFS("{'id':1,'_info':{'lastUpdated':'x'}}",
          "{'id':1,'_info':{'lastUpdated':'y'}}", "[]");
    DIFFS("{'id':1}", "{'id':1,'_info':{}}", "[]");
    DIFFS("{'id':1,'_info':{}}", "{'id':1}", "[]");
    DIFFS("{'id':1,'_info':{},'a':1}", "{'id':1,'a':2}",
          "[{'op':'replace','path':'a','value':2}]");

    /* Without an ignore list _info is an ordinary field. */
    cJSON *b = parse("{'_info':{'v':1}}");
    cJSON *t = parse("{'_info':{'v':2}}");
    cJSON *patch = jsonpatch_diff(b, t, NULL);
    CHECK_JSON(patch, "[{'op':'replace','path':'_info','value':{'v':2}}]");
    cJSON_Delete(patch);
    /* An empty ignore list also ignores nothing. */
    const char *const none[] = { NULL };
    patch = jsonpatch_diff(b, t, none);
    CHECK_INT_EQ(cJSON_GetArraySize(patch), 1);
    cJSON_Delete(patch);
    cJSON_Delete(b);
    cJSON_Delete(t);
}

static void test_diff_order(void)
{
    /* Adds and replaces in target's order, then removes in base's order. */
    DIFFS("{'r1':1,'c':1,'keep':1,'r2':1,'d':1}",
          "{'d':2,'new':1,'keep':1,'c':2}",
          "[{'op':'replace','path':'d','value':2},"
          "{'op':'add','path':'new','value':1},"
          "{'op':'replace','path':'c','value':2},"
          "{'op':'remove','path':'r1'},"
          "{'op':'remove','path':'r2'}]");
}

static void test_diff_duplicate_keys(void)
{
    /* cJSON keeps both; the first is the value everyone sees. */
    DIFFS("{'a':1,'a':2}", "{'a':1}", "[]");
    DIFFS("{'a':1}", "{'a':3,'a':1}",
          "[{'op':'replace','path':'a','value':3}]");
}

static void test_diff_values_are_copies(void)
{
    cJSON *b = parse("{'o':{'x':1}}");
    cJSON *t = parse("{'o':{'x':2}}");
    cJSON *patch = jsonpatch_diff(b, t, IGNORE_INFO);
    cJSON_Delete(t); /* the patch must not point into target */
    cJSON_Delete(b);
    CHECK_JSON(patch, "[{'op':'replace','path':'o','value':{'x':2}}]");
    cJSON_Delete(patch);
}

static void test_diff_bad_arguments(void)
{
    cJSON *obj = parse("{'a':1}");
    cJSON *arr = parse("[1]");
    cJSON *str = parse("'s'");
    CHECK(jsonpatch_diff(NULL, obj, NULL) == NULL);
    CHECK(jsonpatch_diff(obj, NULL, NULL) == NULL);
    CHECK(jsonpatch_diff(NULL, NULL, NULL) == NULL);
    CHECK(jsonpatch_diff(arr, obj, NULL) == NULL);
    CHECK(jsonpatch_diff(obj, arr, NULL) == NULL);
    CHECK(jsonpatch_diff(str, obj, NULL) == NULL);
    CHECK(jsonpatch_diff(arr, arr, NULL) == NULL);
    cJSON_Delete(obj);
    cJSON_Delete(arr);
    cJSON_Delete(str);
}

/* ---- conflicts ---------------------------------------------------------- */

/* conflicts(base, diff(base, mine), theirs) returns `count` and `names`. */
static void check_conflicts(const char *base, const char *mine,
                            const char *theirs, int count, const char *names,
                            int line)
{
    cJSON *b = parse(base);
    cJSON *m = parse(mine);
    cJSON *t = parse(theirs);
    cJSON *patch = jsonpatch_diff(b, m, IGNORE_INFO);
    char got[256];
    memset(got, 'X', sizeof(got));
    got[sizeof(got) - 1] = '\0';
    int n = jsonpatch_conflicts(b, patch, t, got, sizeof(got));
    if (n != count || strcmp(got, names) != 0)
        fprintf(stderr, "  (from line %d)\n", line);
    CHECK_INT_EQ(n, count);
    CHECK_STR_EQ(got, names);
    cJSON_Delete(patch);
    cJSON_Delete(b);
    cJSON_Delete(m);
    cJSON_Delete(t);
}
#define CONFLICTS(base, mine, theirs, count, names) \
    check_conflicts(base, mine, theirs, count, names, __LINE__)

static void test_conflicts_replace(void)
{
    const char *base = "{'id':1,'summary':'a','status':'New'}";
    /* Both changed the same field to different values. */
    CONFLICTS(base, "{'id':1,'summary':'mine','status':'New'}",
              "{'id':1,'summary':'theirs','status':'New'}", 1, "summary");
    /* Both set the same value: nothing is lost. */
    CONFLICTS(base, "{'id':1,'summary':'same','status':'New'}",
              "{'id':1,'summary':'same','status':'New'}", 0, "");
    /* They changed another field: the patch leaves it alone. */
    CONFLICTS(base, "{'id':1,'summary':'mine','status':'New'}",
              "{'id':1,'summary':'a','status':'Closed'}", 0, "");
    /* Nobody else touched it. */
    CONFLICTS(base, "{'id':1,'summary':'mine','status':'New'}", base, 0, "");
    /* They removed the field I changed: absent differs from present. */
    CONFLICTS(base, "{'id':1,'summary':'mine','status':'New'}",
              "{'id':1,'status':'New'}", 1, "summary");
    /* Nested values compare deeply. */
    CONFLICTS("{'o':{'id':1}}", "{'o':{'id':2}}", "{'o':{'id':3}}", 1, "o");
    CONFLICTS("{'o':{'id':1}}", "{'o':{'id':2}}", "{'o':{'id':2}}", 0, "");
}

static void test_conflicts_add(void)
{
    CONFLICTS("{'id':1}", "{'id':1,'a':1}", "{'id':1,'a':2}", 1, "a");
    CONFLICTS("{'id':1}", "{'id':1,'a':1}", "{'id':1,'a':1}", 0, "");
    CONFLICTS("{'id':1}", "{'id':1,'a':1}", "{'id':1,'b':2}", 0, "");
}

static void test_conflicts_remove(void)
{
    const char *base = "{'id':1,'budget':5}";
    /* I removed it, they changed it: their value would be lost. */
    CONFLICTS(base, "{'id':1}", "{'id':1,'budget':6}", 1, "budget");
    /* They removed it too. */
    CONFLICTS(base, "{'id':1}", "{'id':1}", 0, "");
    /* They left it as it was. */
    CONFLICTS(base, "{'id':1}", base, 0, "");
}

static void test_conflicts_several_names(void)
{
    const char *base = "{'a':1,'b':1,'c':1,'d':1}";
    const char *mine = "{'a':2,'b':2,'c':2}";
    const char *theirs = "{'a':3,'b':1,'c':3,'d':3}";
    /* Patch order: replaces a, b, c, then remove d. */
    CONFLICTS(base, mine, theirs, 3, "a,c,d");

    /* Truncation keeps whole names only and always terminates. */
    cJSON *b = parse("{'summary':1,'status':1,'board':1}");
    cJSON *m = parse("{'summary':2,'status':2,'board':2}");
    cJSON *t = parse("{'summary':3,'status':3,'board':3}");
    cJSON *patch = jsonpatch_diff(b, m, NULL);
    char names[32];
    CHECK_INT_EQ(jsonpatch_conflicts(b, patch, t, names, sizeof(names)), 3);
    CHECK_STR_EQ(names, "summary,status,board");
    CHECK_INT_EQ(jsonpatch_conflicts(b, patch, t, names, 15), 3);
    CHECK_STR_EQ(names, "summary,status"); /* exactly 14 + NUL */
    CHECK_INT_EQ(jsonpatch_conflicts(b, patch, t, names, 14), 3);
    CHECK_STR_EQ(names, "summary");
    CHECK_INT_EQ(jsonpatch_conflicts(b, patch, t, names, 7), 3);
    CHECK_STR_EQ(names, "");
    CHECK_INT_EQ(jsonpatch_conflicts(b, patch, t, names, 1), 3);
    CHECK_STR_EQ(names, "");
    /* No buffer, or a zero-length one left untouched: still counted. */
    CHECK_INT_EQ(jsonpatch_conflicts(b, patch, t, NULL, 0), 3);
    names[0] = 'Z';
    CHECK_INT_EQ(jsonpatch_conflicts(b, patch, t, names, 0), 3);
    CHECK(names[0] == 'Z');
    cJSON_Delete(patch);
    cJSON_Delete(b);
    cJSON_Delete(m);
    cJSON_Delete(t);
}

static void test_conflicts_bad_arguments(void)
{
    cJSON *obj = parse("{'a':1}");
    cJSON *patch = parse("[{'op':'replace','path':'a','value':2}]");
    cJSON *bad = parse("[{'op':'move','path':'a','from':'b'}]");
    char names[16] = "junk";
    CHECK_INT_EQ(jsonpatch_conflicts(NULL, patch, obj, names, 16), -1);
    CHECK_STR_EQ(names, "");
    CHECK_INT_EQ(jsonpatch_conflicts(obj, patch, NULL, names, 16), -1);
    CHECK_INT_EQ(jsonpatch_conflicts(obj, NULL, obj, names, 16), -1);
    CHECK_INT_EQ(jsonpatch_conflicts(obj, obj, obj, names, 16), -1);
    CHECK_INT_EQ(jsonpatch_conflicts(patch, patch, obj, names, 16), -1);
    CHECK_INT_EQ(jsonpatch_conflicts(obj, bad, obj, names, 16), -1);
    /* A well-formed patch against identical objects is safe. */
    CHECK_INT_EQ(jsonpatch_conflicts(obj, patch, obj, names, 16), 0);
    cJSON_Delete(obj);
    cJSON_Delete(patch);
    cJSON_Delete(bad);
}

/* ---- apply -------------------------------------------------------------- */

/* apply(obj, patch) returns `rc` and, on success, leaves `expected`. */
static void check_apply(const char *obj, const char *patch, int rc,
                        const char *expected, int line)
{
    cJSON *o = parse(obj);
    cJSON *p = parse(patch);
    int got = jsonpatch_apply(o, p);
    if (got != rc)
        fprintf(stderr, "  (from line %d)\n", line);
    CHECK_INT_EQ(got, rc);
    if (expected)
        check_json(o, expected, line);
    cJSON_Delete(o);
    cJSON_Delete(p);
}
#define APPLIES(obj, patch, expected) \
    check_apply(obj, patch, 0, expected, __LINE__)
#define REJECTS(obj, patch) check_apply(obj, patch, -1, NULL, __LINE__)

static void test_apply_each_op(void)
{
    APPLIES("{'a':1}", "[{'op':'add','path':'b','value':2}]", "{'a':1,'b':2}");
    APPLIES("{'a':1,'b':2}", "[{'op':'replace','path':'a','value':'x'}]",
            "{'a':'x','b':2}");
    APPLIES("{'a':1,'b':2,'c':3}", "[{'op':'remove','path':'b'}]",
            "{'a':1,'c':3}");
    APPLIES("{'a':1}", "[]", "{'a':1}");
    APPLIES("{'a':1}", "[{'op':'replace','path':'a','value':{'n':[1]}}]",
            "{'a':{'n':[1]}}");
    APPLIES("{'a':1}", "[{'op':'replace','path':'a','value':null}]",
            "{'a':null}");
    /* Ops run in order. */
    APPLIES("{}",
            "[{'op':'add','path':'a','value':1},"
            "{'op':'replace','path':'a','value':2},"
            "{'op':'add','path':'b','value':3},"
            "{'op':'remove','path':'a'}]",
            "{'b':3}");
}

static void test_apply_leading_slash(void)
{
    APPLIES("{'a':1}", "[{'op':'add','path':'/b','value':2}]", "{'a':1,'b':2}");
    APPLIES("{'a':1,'b':2}", "[{'op':'replace','path':'/a','value':3}]",
            "{'a':3,'b':2}");
    APPLIES("{'a':1,'b':2}", "[{'op':'remove','path':'/a'}]", "{'b':2}");
    /* The slashed form is an RFC 6901 pointer: ~1 is '/', ~0 is '~'. */
    APPLIES("{'a/b':1,'c~d':2}",
            "[{'op':'replace','path':'/a~1b','value':3},"
            "{'op':'replace','path':'/c~0d','value':4}]",
            "{'a/b':3,'c~d':4}");
    /* The bare form is the key verbatim, as jsonpatch_diff writes it. */
    APPLIES("{'a~1b':1}", "[{'op':'replace','path':'a~1b','value':2}]",
            "{'a~1b':2}");
}

static void test_apply_keeps_position(void)
{
    const char *obj = "{'first':1,'mid':2,'last':3}";
    APPLIES(obj, "[{'op':'replace','path':'first','value':9}]",
            "{'first':9,'mid':2,'last':3}");
    APPLIES(obj, "[{'op':'replace','path':'mid','value':9}]",
            "{'first':1,'mid':9,'last':3}");
    APPLIES(obj, "[{'op':'add','path':'mid','value':9}]",
            "{'first':1,'mid':9,'last':3}");
    /* Replacing the last member must keep the list's tail intact for the
     * append that follows (cJSON tracks the tail through child->prev). */
    APPLIES(obj,
            "[{'op':'replace','path':'last','value':9},"
            "{'op':'add','path':'new','value':0}]",
            "{'first':1,'mid':2,'last':9,'new':0}");
    APPLIES("{'only':1}",
            "[{'op':'replace','path':'only','value':2},"
            "{'op':'add','path':'new','value':0}]",
            "{'only':2,'new':0}");
}

static void test_apply_lenient_about_state(void)
{
    /* Merging onto the server's object: the field ends as the user left it. */
    APPLIES("{'a':1}", "[{'op':'replace','path':'b','value':2}]",
            "{'a':1,'b':2}");
    APPLIES("{'a':1}", "[{'op':'remove','path':'b'}]", "{'a':1}");
}

static void test_apply_bad_ops(void)
{
    REJECTS("{'a':1}", "[{'op':'move','from':'a','path':'b'}]");
    REJECTS("{'a':1}", "[{'op':'test','path':'a','value':1}]");
    REJECTS("{'a':1}", "[{'path':'a','value':1}]");
    REJECTS("{'a':1}", "[{'op':'add','value':1}]");
    REJECTS("{'a':1}", "[{'op':'add','path':'b'}]");
    REJECTS("{'a':1}", "[{'op':'replace','path':'a'}]");
    REJECTS("{'a':1}", "[{'op':'add','path':7,'value':1}]");
    REJECTS("{'a':1}", "[{'op':1,'path':'a','value':1}]");
    REJECTS("{'a':1}", "[{'op':'add','path':'','value':1}]");
    REJECTS("{'a':1}", "[{'op':'add','path':'/','value':1}]");
    REJECTS("{'a':1}", "[{'op':'add','path':'/site/id','value':1}]");
    REJECTS("{'a':1}", "[{'op':'add','path':'/a~2','value':1}]");
    REJECTS("{'a':1}", "[{'op':'add','path':'/a~','value':1}]");
    REJECTS("{'a':1}", "['add']");
    REJECTS("{'a':1}", "[[]]");
    REJECTS("{'a':1}", "{'op':'add','path':'b','value':1}");
    REJECTS("[]", "[]");

    cJSON *obj = parse("{'a':1}");
    cJSON *patch = parse("[]");
    CHECK_INT_EQ(jsonpatch_apply(NULL, patch), -1);
    CHECK_INT_EQ(jsonpatch_apply(obj, NULL), -1);
    cJSON_Delete(obj);
    cJSON_Delete(patch);
}

static void test_apply_copies_values(void)
{
    cJSON *obj = parse("{}");
    cJSON *patch = parse("[{'op':'add','path':'o','value':{'x':[1]}}]");
    CHECK_INT_EQ(jsonpatch_apply(obj, patch), 0);
    cJSON_Delete(patch); /* obj must own its copy */
    CHECK_JSON(obj, "{'o':{'x':[1]}}");
    cJSON_Delete(obj);
}

/* apply(copy of base, diff(base, target)) reproduces target. */
static void check_roundtrip(const char *base, const char *target, int line)
{
    cJSON *b = parse(base);
    cJSON *t = parse(target);
    cJSON *patch = jsonpatch_diff(b, t, NULL);
    CHECK_INT_EQ(jsonpatch_apply(b, patch), 0);
    bool same = cJSON_Compare(b, t, true);
    if (!same)
        fprintf(stderr, "  (roundtrip from line %d)\n", line);
    CHECK(same);
    cJSON_Delete(patch);
    cJSON_Delete(b);
    cJSON_Delete(t);
}
#define ROUNDTRIPS(base, target) check_roundtrip(base, target, __LINE__)

static void test_apply_roundtrip(void)
{
    ROUNDTRIPS("{}", "{}");
    ROUNDTRIPS("{}", "{'a':1,'b':[1,{'c':null}]}");
    ROUNDTRIPS("{'a':1,'b':[1,{'c':null}]}", "{}");
    ROUNDTRIPS("{'id':7,'summary':'x','board':{'id':1},'tags':[1,2],"
               "'budget':null,'gone':true}",
               "{'id':7,'summary':'y','board':{'id':2,'name':'B'},"
               "'tags':[2],'budget':3,'new':{'deep':[[]]}}");
    ROUNDTRIPS("{'a':1,'b':2}", "{'b':2,'a':1}");
    ROUNDTRIPS("{'a/b':1,'c~1':2}", "{'a/b':2,'c~1':3}");
    /* found by fuzz_jsonpatch: a key that starts with '/' is sent as the
     * pointer to it, not read back as another key */
    ROUNDTRIPS("{'a':1}", "{'a':1,'/b':2,'/~x/':3}");
    DIFFS("{}", "{'/b':2}", "[{'op':'add','path':'/~1b','value':2}]");
}

/* found by fuzz_jsonpatch: "" would be the whole document */
static void test_diff_skips_an_empty_key(void)
{
    DIFFS("{'a':1,'':1}", "{'a':2,'':2}",
          "[{'op':'replace','path':'a','value':2}]");
    DIFFS("{'':1}", "{}", "[]");
}

/* PUT mode: the user's changes land on the server's current object. */
static void test_merge_for_put(void)
{
    cJSON *base = parse("{'id':1,'summary':'old','status':'New',"
                        "'notes':'n','_info':{'v':1}}");
    cJSON *mine = parse("{'id':1,'summary':'mine','status':'New',"
                        "'_info':{'v':1}}");
    cJSON *theirs = parse("{'id':1,'summary':'old','status':'Closed',"
                          "'notes':'n','_info':{'v':2}}");
    cJSON *patch = jsonpatch_diff(base, mine, IGNORE_INFO);
    CHECK_INT_EQ(jsonpatch_conflicts(base, patch, theirs, NULL, 0), 0);

    cJSON *merged = cJSON_Duplicate(theirs, true);
    CHECK_INT_EQ(jsonpatch_apply(merged, patch), 0);
    /* Their status and _info stay; my summary and my removal of notes win. */
    CHECK_JSON(merged, "{'id':1,'summary':'mine','status':'Closed',"
                       "'_info':{'v':2}}");
    cJSON_Delete(merged);
    cJSON_Delete(patch);
    cJSON_Delete(base);
    cJSON_Delete(mine);
    cJSON_Delete(theirs);
}

static void test_is_empty(void)
{
    cJSON *empty = parse("[]");
    cJSON *one = parse("[{'op':'remove','path':'a'}]");
    cJSON *obj = parse("{}");
    CHECK(jsonpatch_is_empty(empty));
    CHECK(!jsonpatch_is_empty(one));
    /* An error or a non-patch is never "nothing to save". */
    CHECK(!jsonpatch_is_empty(NULL));
    CHECK(!jsonpatch_is_empty(obj));
    cJSON_Delete(empty);
    cJSON_Delete(one);
    cJSON_Delete(obj);
}

/* cJSON allocator that fails the n-th allocation, to walk error paths. */
static int allocations_left;
static void *failing_malloc(size_t size)
{
    return allocations_left-- > 0 ? malloc(size) : NULL;
}

/* Every allocation failure surfaces as NULL / -1 and leaks nothing (ASan). */
static void test_allocation_failures(void)
{
    cJSON *base = parse("{'a':1,'o':{'x':[1,2]},'gone':true}");
    cJSON *mine = parse("{'a':2,'o':{'x':[3]},'new':'s'}");
    cJSON *want = jsonpatch_diff(base, mine, NULL);
    cJSON_Hooks hooks = { failing_malloc, free };
    bool diff_done = false, apply_done = false;

    cJSON_InitHooks(&hooks);
    for (int limit = 0; limit < 1000 && !(diff_done && apply_done); limit++) {
        allocations_left = limit;
        cJSON *patch = jsonpatch_diff(base, mine, NULL);
        diff_done = diff_done || patch != NULL;
        cJSON_Delete(patch);

        allocations_left = 1000;
        cJSON *copy = cJSON_Duplicate(base, true);
        allocations_left = limit;
        int rc = jsonpatch_apply(copy, want);
        apply_done = apply_done || rc == 0;
        cJSON_Delete(copy);
    }
    cJSON_InitHooks(NULL);
    CHECK(diff_done);
    CHECK(apply_done);
    cJSON_Delete(want);
    cJSON_Delete(base);
    cJSON_Delete(mine);
}

int main(void)
{
    test_diff_no_change();
    test_diff_scalars();
    test_diff_add_remove();
    test_diff_nested_replaced_whole();
    test_diff_arrays_replaced_whole();
    test_diff_nulls();
    test_diff_ignore();
    test_diff_order();
    test_diff_duplicate_keys();
    test_diff_values_are_copies();
    test_diff_bad_arguments();
    test_conflicts_replace();
    test_conflicts_add();
    test_conflicts_remove();
    test_conflicts_several_names();
    test_conflicts_bad_arguments();
    test_apply_each_op();
    test_apply_leading_slash();
    test_apply_keeps_position();
    test_apply_lenient_about_state();
    test_apply_bad_ops();
    test_apply_copies_values();
    test_apply_roundtrip();
    test_diff_skips_an_empty_key();
    test_merge_for_put();
    test_is_empty();
    test_allocation_failures();
    return unit_report();
}
