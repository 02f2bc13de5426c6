"""The System module's request handlers.

The HTTP layer (../cwm_emulator.py) parses a request into a Context, the
server's dialect resolves its route to an action ("handler" or
"handler:key", see routes.py), and Api runs that handler with the store
locked. Every handler returns a Response; failures raise ApiError.
"""

import json
from urllib.parse import parse_qs

from . import data, realdata, reports
from .errors import ApiError, bad_request, not_found
from .query import ListQuery, apply_fields, filter_items, run_list_query


class Response:
    def __init__(self, status, body=None, headers=None):
        self.status = status
        self.body = body          # JSON-able; ignored for 204
        self.headers = headers or {}


class Context:
    """One API request, parsed."""

    def __init__(self, headers, host, method, raw_path, raw_query, body):
        self.method = method
        self.raw_path = raw_path
        self.raw_query = raw_query
        self.headers = headers
        self.raw_body = body
        self.params = {k.lower(): v[0] for k, v in
                       parse_qs(raw_query, keep_blank_values=True).items()}
        self.link_base = f"http://{host}{raw_path}"
        self.forward_only = (headers.get("pagination-type", "")
                             .strip().lower() == "forward-only")
        self.actor_id = None

    def json(self):
        try:
            return json.loads(self.raw_body.decode("utf-8") or "null")
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise bad_request(f"The request body is not valid JSON: {exc}.") \
                from None

    def url(self):
        return self.link_base + (f"?{self.raw_query}" if self.raw_query
                                 else "")

    def location(self, obj_id):
        """The new object's URL, for a 201's Location header."""
        return {"Location": f"{self.link_base.rstrip('/')}/{obj_id}"}


class Api:
    """Route handlers; `dialect` decides routes and a few behaviours."""

    def __init__(self, store, dialect):
        self.store = store
        self.dialect = dialect

    def dispatch(self, ctx, segments):
        action, captures = self.dialect.resolve(ctx.method, segments,
                                                ctx.raw_path)
        self.dialect.check_accept(ctx.headers.get("Accept"), ctx.url())
        name, _, key = action.partition(":")
        handler = getattr(self, name)
        return handler(ctx, key, *captures) if key else \
            handler(ctx, *captures)

    # -- generic collection verbs ------------------------------------

    def _list(self, ctx, items, catalog):
        query = ListQuery(ctx.params, ctx.forward_only)
        page, link = run_list_query(items, query, catalog, ctx.link_base,
                                    ctx.raw_query)
        headers = {"Link": link} if link is not None else {}
        return Response(200, page, headers)

    def _count(self, ctx, items, catalog):
        return Response(200, {"count": len(filter_items(
            items, ctx.params.get("conditions"), catalog))})

    def _one(self, ctx, obj):
        return Response(200, apply_fields([obj], ctx.params.get("fields"))[0])

    def list(self, ctx, key):
        coll = self.store.collection(key)
        return self._list(ctx, coll.items(), coll.catalog)

    def count(self, ctx, key):
        coll = self.store.collection(key)
        return self._count(ctx, coll.items(), coll.catalog)

    def get(self, ctx, key, obj_id):
        return self._one(ctx, self.store.get(key, obj_id))

    def create(self, ctx, key):
        obj = self.store.create(key, ctx.json(), ctx.actor_id)
        return Response(201, obj, ctx.location(obj["id"]))

    def put(self, ctx, key, obj_id):
        return Response(200, self.store.replace(key, obj_id, ctx.json(),
                                                ctx.actor_id))

    def patch(self, ctx, key, obj_id):
        return Response(200, self.store.patch(key, obj_id, ctx.json(),
                                              ctx.actor_id))

    def delete(self, ctx, key, obj_id):
        self.store.delete(key, obj_id, ctx.actor_id)
        return Response(204)

    # -- members by id or identifier -----------------------------------

    def _member_id(self, ident):
        return self.store.find_member(str(ident))["id"]

    def get_member(self, ctx, ident):
        return self._one(ctx, self.store.find_member(str(ident)))

    def put_member(self, ctx, ident):
        return self.put(ctx, "members", self._member_id(ident))

    def patch_member(self, ctx, ident):
        return self.patch(ctx, "members", self._member_id(ident))

    def delete_member(self, ctx, ident):
        return self.delete(ctx, "members", self._member_id(ident))

    def deactivate_member(self, ctx, member_id):
        # The spec answers 200 with the MemberDeactivation (an action, not
        # a creation: no 201, no Location).
        return Response(200, self.store.deactivate_member(
            member_id, ctx.json(), ctx.actor_id))

    def get_my_member(self, ctx):
        return self._one(ctx, self.store.get("members", ctx.actor_id))

    # -- tokens ----------------------------------------------------------

    def list_tokens(self, ctx, ident):
        tokens = self.store.member_tokens(self.store.find_member(ident))
        return self._list(ctx, tokens, self.store.token_catalog)

    def get_token(self, ctx, ident, token_id):
        tokens = self.store.member_tokens(self.store.find_member(ident))
        for token in tokens:
            if token["id"] == token_id:
                return self._one(ctx, token)
        raise not_found(f"Token with id {token_id} not found.")

    def create_token(self, ctx, ident):
        member = self.store.find_member(ident)
        token = self.store.create_token(member, ctx.actor_id)
        if self.dialect.token_status != 201:
            token.pop("id")  # Token {publicKey, privateKey, expiration}
            return Response(self.dialect.token_status, token)
        return Response(201, token, ctx.location(token["id"]))

    def delete_token(self, ctx, ident, token_id):
        self.store.delete_token(self.store.find_member(ident), token_id)
        return Response(204)

    # -- myAccount -------------------------------------------------------

    def _account_view(self, member):
        if self.store.dialect == "real":
            return realdata.my_account(member)
        return data.my_account(member)

    def _own_account(self, ctx, member_id):
        if member_id is None:
            return ctx.actor_id
        if self.dialect.own_account_only and member_id != ctx.actor_id:
            # Chosen (unverified): 403, as for a security-role denial; the
            # id exists or not, the caller learns nothing either way.
            raise ApiError(403, "Forbidden", f"myAccount/{member_id} is not "
                           "the authenticated member's account; use the "
                           "caller's own member id.")
        return member_id

    def get_my_account(self, ctx, member_id=None):
        member = self.store.get("members", self._own_account(ctx, member_id))
        return self._one(ctx, self._account_view(member))

    def put_my_account(self, ctx, member_id):
        member_id = self._own_account(ctx, member_id)
        body = ctx.json()
        if not isinstance(body, dict):
            raise bad_request("The request body must be a JSON object.")
        # PUT replaces the MyAccount fields; the member's others stay.
        fields = {f.lower(): f for f in realdata.MY_ACCOUNT_FIELDS}
        merged = {k: v for k, v in self.store.get("members", member_id)
                  .items() if k.lower() not in fields}
        merged.update({fields[k.lower()]: v for k, v in body.items()
                       if k.lower() in fields})
        member = self.store.replace("members", member_id, merged,
                                    ctx.actor_id)
        return Response(200, self._account_view(member))

    def patch_my_account(self, ctx, member_id):
        member_id = self._own_account(ctx, member_id)
        member = self.store.patch("members", member_id, ctx.json(),
                                  ctx.actor_id,
                                  fields=realdata.MY_ACCOUNT_FIELDS)
        return Response(200, self._account_view(member))

    # -- info, reports, audit trail -------------------------------------

    def get_info(self, ctx):
        return Response(200, self.store.info)

    def run_report(self, ctx, report_id):
        return Response(200, self.store.run_report(report_id, ctx.json()))

    def list_reports(self, ctx):
        return self._list(ctx, reports.report_list(), reports.LIST_CATALOG)

    def get_report(self, ctx, name):
        body, link = reports.run(reports.find(name), self.store, ctx.params,
                                 ctx.link_base, ctx.raw_query)
        return Response(200, body, {"Link": link} if link else {})

    def report_columns(self, ctx, name):
        return Response(200, reports.columns(reports.find(name)))

    def count_report(self, ctx, name):
        return Response(200, reports.count(reports.find(name), self.store,
                                           ctx.params))

    def _audit_items(self, ctx):
        # Unverified: whether the real server lists anything without type
        # and id; we require both, as the description does.
        type_name, obj_id = ctx.params.get("type"), ctx.params.get("id")
        if not type_name or not obj_id:
            raise bad_request("The audit trail needs the query parameters "
                              "type (e.g. Member) and id.")
        types = self.dialect.audit_types
        valid = {t.lower(): t for t in types}
        if type_name.lower() not in valid:
            raise bad_request(f"Invalid audit trail type '{type_name}'; "
                              f"expected one of {', '.join(types)}.")
        if not obj_id.isdigit():
            raise bad_request(f"The audit trail id must be an integer; got "
                              f"'{obj_id}'.")
        return self.store.audit_entries(type_name, int(obj_id))

    def list_audit(self, ctx):
        if ctx.forward_only:
            raise bad_request("Forward-only pagination is not supported on "
                              "the audit trail.")
        return self._list(ctx, self._audit_items(ctx),
                          self.store.audit_catalog)

    def count_audit(self, ctx):
        return self._count(ctx, self._audit_items(ctx),
                           self.store.audit_catalog)
