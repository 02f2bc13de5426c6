"""The ConnectWise `conditions` language: tokenizer, parser, type checker.

Grammar (connectwise-api.md section 3), `and` binding tighter than `or`:

    expr       := and_expr ( OR and_expr )*
    and_expr   := primary ( AND primary )*
    primary    := '(' expr ')' | comparison
    comparison := FIELD op literal
                | FIELD [NOT] (CONTAINS | LIKE) string
                | FIELD [NOT] IN '(' literal ( ',' literal )* ')'
    op         := '=' | '!=' | '<' | '<=' | '>' | '>='
    literal    := "str" | 'str' | number | true | false | null | [datetime]

Keywords are case-insensitive, as are field names (`type/id`, `Department/Name`).
Comparisons follow SQL Server: strings compare case-insensitively, and a
comparison against a null field is never true except `= null`.

`compile_conditions(text, catalog)` returns a predicate `obj -> bool`; every
problem raises ConditionError with a message naming the position (1-based).
"""

import datetime
import re

# The real server's wording for a malformed literal (quoted by the NODE client).
LITERAL_HELP = (
    "String values should be enclosed with double or single quotes; "
    "DateTime values should be enclosed in square brackets; numbers should "
    "consist of only digits, and optionally a decimal point and a negation "
    "sign; boolean values should be indicated with the keywords true or "
    "false; null values should be indicated by the keyword null.")

# Field types, inferred from template objects by FieldCatalog.
STRING, NUMBER, BOOLEAN, DATETIME, OBJECT, ARRAY, UNKNOWN = (
    "string", "number", "boolean", "datetime", "object", "array", "unknown")

_DATETIME_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")
_NUMBER_RE = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)$")
_FIELD_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(/[A-Za-z_][A-Za-z0-9_]*)*$")
_BARE_STOP = set(" \t\r\n()=!<>,\"'[")
_COMPARISONS = ("=", "!=", "<", "<=", ">", ">=")


class ConditionError(ValueError):
    """A syntax or type error in a conditions/orderBy expression."""


def parse_datetime(text):
    """Parse an ISO-8601 timestamp; naive values are taken as UTC."""
    if not isinstance(text, str) or not _DATETIME_RE.match(text):
        return None
    try:
        value = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    return value


def type_of(value):
    """The condition type of a JSON value (bool before int: bool is an int)."""
    if value is None:
        return UNKNOWN
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, (int, float)):
        return NUMBER
    if isinstance(value, str):
        return DATETIME if _DATETIME_RE.match(value) and "T" in value \
            else STRING
    if isinstance(value, dict):
        return OBJECT
    return ARRAY


class FieldCatalog:
    """Known field paths of one collection, case-insensitive, with types.

    Learned from template objects (every reference filled in), so a field
    that happens to be null on every stored object is still known and typed.
    Unknown fields are an error, as on the real server.
    """

    def __init__(self, *templates):
        self.fields = {}  # "department/name" -> (("department", "name"), type)
        for template in templates:
            self.learn(template)

    def learn(self, obj, prefix=()):
        for key, value in obj.items():
            path = prefix + (key,)
            low = "/".join(path).lower()
            kind = type_of(value)
            known = self.fields.get(low)
            if known is None or (known[1] == UNKNOWN and kind != UNKNOWN):
                self.fields[low] = (path, kind)
            if isinstance(value, dict):
                self.learn(value, path)
        # ConnectWise lets conditions/orderBy name `lastUpdated` directly.
        if not prefix and "_info/lastupdated" in self.fields:
            self.fields.setdefault("lastupdated",
                                   self.fields["_info/lastupdated"])

    def resolve(self, name):
        """(keys, type) for a field path, or None when unknown."""
        return self.fields.get(name.lower())

    def top_level(self):
        return {path[0] for path, _ in self.fields.values() if len(path) == 1}


def get_path(obj, keys):
    """Walk `keys` into nested dicts; a missing step yields None (null)."""
    for key in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


# --------------------------------------------------------------------------
# Tokenizer

class Token:
    __slots__ = ("kind", "value", "pos", "text")

    def __init__(self, kind, value, pos, text):
        self.kind = kind    # lparen rparen comma op string datetime number
        self.value = value  # word bare end
        self.pos = pos      # 1-based position in the expression
        self.text = text

    def describe(self):
        return "end of expression" if self.kind == "end" else repr(self.text)


def tokenize(text):
    tokens = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        pos = i + 1
        if ch.isspace():
            i += 1
        elif ch in "(),":
            kind = {"(": "lparen", ")": "rparen", ",": "comma"}[ch]
            tokens.append(Token(kind, ch, pos, ch))
            i += 1
        elif ch in "=!<>":
            op = text[i:i + 2] if text[i:i + 2] in ("!=", "<=", ">=") else ch
            if op == "!":
                raise ConditionError(
                    f"Unexpected character '!' at position {pos}; "
                    "did you mean '!='?")
            tokens.append(Token("op", op, pos, op))
            i += len(op)
        elif ch in "\"'":
            value, i = _read_string(text, i)
            tokens.append(Token("string", value, pos, text[pos - 1:i]))
        elif ch == "[":
            end = text.find("]", i)
            if end < 0:
                raise ConditionError(
                    f"Unterminated datetime literal starting at position "
                    f"{pos}. {LITERAL_HELP}")
            raw = text[i + 1:end].strip()
            value = parse_datetime(raw)
            if value is None:
                raise ConditionError(
                    f"Invalid datetime [{raw}] at position {pos}; expected "
                    f"e.g. [2016-08-20T18:04:26Z]. {LITERAL_HELP}")
            tokens.append(Token("datetime", value, pos, text[i:end + 1]))
            i = end + 1
        else:
            start = i
            while i < n and text[i] not in _BARE_STOP:
                i += 1
            word = text[start:i]
            if _NUMBER_RE.match(word):
                number = float(word) if "." in word else int(word)
                tokens.append(Token("number", number, pos, word))
            elif _FIELD_RE.match(word):
                tokens.append(Token("word", word, pos, word))
            else:
                tokens.append(Token("bare", word, pos, word))
    tokens.append(Token("end", None, n + 1, ""))
    return tokens


def _read_string(text, i):
    """Read a quoted string at text[i]; backslash escapes the next char."""
    quote, pos = text[i], i + 1
    out = []
    i += 1
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
        elif ch == quote:
            return "".join(out), i + 1
        else:
            out.append(ch)
            i += 1
    raise ConditionError(f"Unterminated string starting at position {pos}. "
                         f"{LITERAL_HELP}")


# --------------------------------------------------------------------------
# Parser: produces predicates directly (a closure per comparison).

class _Parser:
    def __init__(self, text, catalog):
        self.tokens = tokenize(text)
        self.i = 0
        self.catalog = catalog

    def peek(self):
        return self.tokens[self.i]

    def take(self):
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def is_keyword(self, tok, *words):
        return tok.kind == "word" and tok.value.lower() in words

    def parse(self):
        if self.peek().kind == "end":
            raise ConditionError("The conditions expression is empty.")
        pred = self.expr()
        tok = self.peek()
        if tok.kind != "end":
            raise ConditionError(
                f"Unexpected {tok.describe()} at position {tok.pos}; "
                "expected 'and', 'or' or the end of the expression.")
        return pred

    def expr(self):
        parts = [self.and_expr()]
        while self.is_keyword(self.peek(), "or"):
            self.take()
            parts.append(self.and_expr())
        if len(parts) == 1:
            return parts[0]
        return lambda obj: any(p(obj) for p in parts)

    def and_expr(self):
        parts = [self.primary()]
        while self.is_keyword(self.peek(), "and"):
            self.take()
            parts.append(self.primary())
        if len(parts) == 1:
            return parts[0]
        return lambda obj: all(p(obj) for p in parts)

    def primary(self):
        tok = self.peek()
        if tok.kind == "lparen":
            self.take()
            pred = self.expr()
            close = self.take()
            if close.kind != "rparen":
                raise ConditionError(
                    f"Expected ')' at position {close.pos} to close the "
                    f"'(' at position {tok.pos}, found {close.describe()}.")
            return pred
        return self.comparison()

    def comparison(self):
        tok = self.take()
        if tok.kind != "word" or self.is_keyword(tok, "and", "or", "not"):
            raise ConditionError(
                f"Expected a field name at position {tok.pos}, found "
                f"{tok.describe()}.")
        resolved = self.catalog.resolve(tok.value)
        if resolved is None:
            raise ConditionError(
                f"Unknown field '{tok.value}' at position {tok.pos}.")
        field = (tok.value, resolved[0], resolved[1])

        op_tok = self.take()
        negate = False
        if self.is_keyword(op_tok, "not"):
            negate = True
            op_tok = self.take()
            if not self.is_keyword(op_tok, "contains", "like", "in"):
                raise ConditionError(
                    f"Expected 'contains', 'like' or 'in' after 'not' at "
                    f"position {op_tok.pos}, found {op_tok.describe()}.")
        if op_tok.kind == "op":
            op = op_tok.value
        elif self.is_keyword(op_tok, "contains", "like", "in"):
            op = op_tok.value.lower()
        else:
            raise ConditionError(
                f"Expected an operator (= != < <= > >= contains like in) "
                f"after field '{tok.value}' at position {op_tok.pos}, found "
                f"{op_tok.describe()}.")

        if op == "in":
            values = self.literal_list()
        else:
            values = [self.literal()]
        return _make_predicate(field, op, negate, values, op_tok.pos)

    def literal_list(self):
        open_tok = self.take()
        if open_tok.kind != "lparen":
            raise ConditionError(
                f"Expected '(' after 'in' at position {open_tok.pos}, found "
                f"{open_tok.describe()}.")
        values = [self.literal()]
        while self.peek().kind == "comma":
            self.take()
            values.append(self.literal())
        close = self.take()
        if close.kind != "rparen":
            raise ConditionError(
                f"Expected ',' or ')' in the 'in' list at position "
                f"{close.pos}, found {close.describe()}.")
        return values

    def literal(self):
        """A literal as (type, value, token)."""
        tok = self.take()
        if tok.kind == "string":
            return (STRING, tok.value, tok)
        if tok.kind == "number":
            return (NUMBER, tok.value, tok)
        if tok.kind == "datetime":
            return (DATETIME, tok.value, tok)
        if tok.kind == "word":
            word = tok.value.lower()
            if word in ("true", "false"):
                return (BOOLEAN, word == "true", tok)
            if word == "null":
                return (None, None, tok)
        if tok.kind == "end":
            raise ConditionError(
                f"Expected a value at position {tok.pos}, found the end of "
                f"the expression. {LITERAL_HELP}")
        raise ConditionError(
            f"Invalid value {tok.describe()} at position {tok.pos}. "
            f"{LITERAL_HELP}")


# --------------------------------------------------------------------------
# Type checking and evaluation

def _like_regex(pattern):
    parts = (".*" if ch in "%*" else re.escape(ch) for ch in pattern)
    return re.compile("^" + "".join(parts) + "$", re.IGNORECASE | re.DOTALL)


def _check_types(field, op, values, pos):
    name, _, ftype = field
    for ltype, _, tok in values:
        where = f"field '{name}' at position {tok.pos}"
        if ltype is None:
            if op not in ("=", "!="):
                raise ConditionError(
                    f"null can only be used with = or != ({where}).")
            continue
        if op in ("contains", "like") and ltype != STRING:
            raise ConditionError(
                f"'{op}' needs a quoted string ({where}). {LITERAL_HELP}")
        if ftype in (OBJECT, ARRAY):
            raise ConditionError(
                f"Field '{name}' is {'an object' if ftype == OBJECT else 'a list'}"
                f" and can only be compared with null; name one of its "
                f"members instead, e.g. {name}/id (position {pos}).")
        if ftype == UNKNOWN:
            continue
        if op in ("contains", "like") and ftype != STRING:
            raise ConditionError(
                f"'{op}' can only be used on text fields; '{name}' is a "
                f"{ftype} (position {pos}).")
        if ftype == BOOLEAN and op in ("<", "<=", ">", ">="):
            raise ConditionError(
                f"'{op}' cannot be used on the boolean field '{name}' "
                f"(position {pos}).")
        if ltype != ftype:
            raise ConditionError(
                f"Invalid value {tok.describe()} for the {ftype} {where}. "
                f"{LITERAL_HELP}")


def _normalise(value, ltype):
    """Bring a stored value into the literal's domain, or None if it can't."""
    if value is None:
        return None
    if ltype == STRING:
        return value.lower() if isinstance(value, str) else None
    if ltype == NUMBER:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return value if ok else None
    if ltype == BOOLEAN:
        return value if isinstance(value, bool) else None
    if ltype == DATETIME:
        return parse_datetime(value)
    return None


def _make_predicate(field, op, negate, values, pos):
    _check_types(field, op, values, pos)
    keys = field[1]
    ltype, literal, _ = values[0]

    if ltype is None:  # `x = null` / `x != null`
        want_null = op == "="
        return lambda obj: (get_path(obj, keys) is None) == want_null

    if op == "in":
        wanted = [(t, v.lower() if t == STRING else v) for t, v, _ in values]

        def pred(obj):
            raw = get_path(obj, keys)
            if raw is None:
                return False  # SQL: NULL IN (...) / NOT IN (...) is unknown
            hit = any(_normalise(raw, t) == v for t, v in wanted
                      if t is not None)
            return hit != negate
        return pred

    if op in ("contains", "like"):
        if op == "contains":
            needle = literal.lower()
            match = lambda s: needle in s.lower()  # noqa: E731
        else:
            match = _like_regex(literal).match
        return lambda obj: (isinstance(get_path(obj, keys), str)
                            and bool(match(get_path(obj, keys))) != negate)

    if ltype == STRING:
        literal = literal.lower()
    compare = {
        "=": lambda a: a == literal, "!=": lambda a: a != literal,
        "<": lambda a: a < literal, "<=": lambda a: a <= literal,
        ">": lambda a: a > literal, ">=": lambda a: a >= literal,
    }[op]

    def pred(obj):
        value = _normalise(get_path(obj, keys), ltype)
        return value is not None and compare(value)
    return pred


def compile_conditions(text, catalog):
    """Compile a conditions string into a predicate over stored objects."""
    return _Parser(text, catalog).parse()
