"""List queries: conditions, orderBy, fields, paging and the Link header.

`run_list_query` is the one entry point the HTTP layer uses for every list
GET, so paging and filtering behave identically on every collection.
"""

from urllib.parse import unquote_plus

from .conditions import (ARRAY, DATETIME, OBJECT, STRING, ConditionError,
                         compile_conditions, get_path, parse_datetime)
from .errors import bad_request

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 1000


class ListQuery:
    """The list-related parameters of one request, already validated."""

    def __init__(self, params, forward_only):
        self.params = params
        self.forward_only = forward_only
        self.conditions = params.get("conditions")
        self.order_by = params.get("orderby")
        self.fields = params.get("fields")
        self.page = _int_param(params, "page", 1, minimum=1)
        size = _int_param(params, "pagesize", DEFAULT_PAGE_SIZE, minimum=1)
        self.page_size = min(size, MAX_PAGE_SIZE)  # ConnectWise clamps
        self.page_id = _int_param(params, "pageid", 0, minimum=0)
        if forward_only and self.order_by not in (None, ""):
            raise bad_request("orderBy is not supported with forward-only "
                              "pagination (results are ordered by id).")


def _int_param(params, name, default, minimum):
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < minimum:
        pretty = {"page": "page", "pagesize": "pageSize",
                  "pageid": "pageId"}[name]
        raise bad_request(f"The query parameter {pretty} must be an integer "
                          f">= {minimum}; got '{raw}'.")
    return value


def filter_items(items, conditions, catalog):
    if conditions is None or conditions.strip() == "":
        return list(items)
    try:
        pred = compile_conditions(conditions, catalog)
    except ConditionError as exc:
        raise bad_request(str(exc)) from None
    return [item for item in items if pred(item)]


def parse_order_by(text, catalog):
    """`lastName asc, firstName desc` -> [(keys, type, descending)]."""
    keys = []
    for part in text.split(","):
        words = part.split()
        if not words:
            raise bad_request(f"orderBy '{text}' has an empty term.")
        if len(words) > 2 or (len(words) == 2 and
                              words[1].lower() not in ("asc", "desc")):
            raise bad_request(f"orderBy term '{part.strip()}' must be "
                              "'<field> [asc|desc]'.")
        resolved = catalog.resolve(words[0])
        if resolved is None:
            raise bad_request(f"Unknown field '{words[0]}' in orderBy.")
        if resolved[1] in (OBJECT, ARRAY):
            raise bad_request(f"Cannot order by '{words[0]}': it is not a "
                              "simple value; name one of its members.")
        descending = len(words) == 2 and words[1].lower() == "desc"
        keys.append((resolved[0], resolved[1], descending))
    return keys


def _sort_key(path, kind):
    def key(item):
        value = get_path(item, path)
        if value is None:
            return (0, 0)  # SQL Server sorts NULL first
        if kind == DATETIME:
            parsed = parse_datetime(value)
            return (1, parsed.timestamp()) if parsed else (1, 0)
        if isinstance(value, str) or kind == STRING:
            return (2, str(value).lower())
        if isinstance(value, bool):
            return (1, int(value))
        if isinstance(value, (int, float)):
            return (1, value)
        return (3, str(value))
    return key


def order_items(items, order_by, catalog):
    """Stable multi-key sort; ties always fall back to id ascending."""
    items = sorted(items, key=lambda o: _id_key(o))
    if order_by:
        # Sort by the least significant key first; Python's sort is stable.
        for path, kind, descending in reversed(parse_order_by(order_by,
                                                              catalog)):
            items.sort(key=_sort_key(path, kind), reverse=descending)
    return items


def _id_key(obj):
    value = obj.get("id") if isinstance(obj, dict) else None
    return value if isinstance(value, int) else 0


def parse_fields(text):
    """`id,department/name` -> {"id": True, "department": {"name": True}}."""
    tree = {}
    for part in text.split(","):
        part = part.strip().strip("/")
        if not part:
            continue
        node = tree
        steps = [s.lower() for s in part.split("/")]
        for step in steps[:-1]:
            child = node.get(step)
            if child is True:
                break  # the whole parent is already selected
            node = node.setdefault(step, {})
        else:
            node[steps[-1]] = True
    return tree


def project(obj, tree):
    """Reduce obj to the selected fields, keeping the object's key order."""
    out = {}
    for key, value in obj.items():
        sel = tree.get(key.lower())
        if sel is True:
            out[key] = value
        elif sel is not None:
            out[key] = project(value, sel) if isinstance(value, dict) \
                else value
    return out


def apply_fields(items, fields):
    if not fields or not fields.strip():
        return items
    tree = parse_fields(fields)
    return [project(item, tree) for item in items]


# --------------------------------------------------------------------------
# Paging

def _raw_pairs(raw_query, drop):
    """The request's query pairs as sent, minus the paging ones."""
    pairs = []
    for pair in raw_query.split("&"):
        if not pair:
            continue
        name = unquote_plus(pair.split("=", 1)[0]).lower()
        if name not in drop:
            pairs.append(pair)
    return pairs


def link_url(base, raw_query, **paging):
    """`base?<other params>&pageSize=N&page=P` (paging params last)."""
    pairs = _raw_pairs(raw_query, {"page", "pagesize", "pageid"})
    pairs += [f"{k}={v}" for k, v in paging.items()]
    return f"{base}?{'&'.join(pairs)}"


def navigable_link(base, raw_query, page, page_size, total):
    """The Link header ConnectWise sends for page `page`, or None."""
    last = max(1, -(-total // page_size))
    if last == 1 or page > last:
        return None  # one page holds everything / past the end: no Link

    def url(p):
        return link_url(base, raw_query, pageSize=page_size, page=p)

    if page == 1:
        rels = [(page + 1, "next"), (last, "last")]
    elif page < last:
        rels = [(1, "first"), (page - 1, "prev"), (page + 1, "next"),
                (last, "last")]
    else:  # the last page ends in rel="first" (PHP client's isLastPage)
        rels = [(page - 1, "prev"), (1, "first")]
    return ", ".join(f'<{url(p)}>; rel="{rel}"' for p, rel in rels)


def run_list_query(items, query, catalog, base, raw_query):
    """Filter, order, page and project a list -> (page_items, link|None).

    For forward-only paging the link is always a string ("" when the page
    is empty), because ConnectWise always sends the header in that mode.
    """
    items = filter_items(items, query.conditions, catalog)
    if query.forward_only:
        items = sorted((o for o in items if _id_key(o) > query.page_id),
                       key=_id_key)[:query.page_size]
        link = ""
        if items:
            nxt = link_url(base, raw_query, pageSize=query.page_size,
                           pageId=_id_key(items[-1]))
            link = f'<{nxt}>; rel="next"'
        return apply_fields(items, query.fields), link
    items = order_items(items, query.order_by, catalog)
    total = len(items)
    start = (query.page - 1) * query.page_size
    page_items = items[start:start + query.page_size]
    link = navigable_link(base, raw_query, query.page, query.page_size, total)
    return apply_fields(page_items, query.fields), link
