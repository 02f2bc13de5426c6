"""The two dialects the emulator speaks.

real  (the default) models the real ConnectWise server as
      shared/reference/seed-vs-real.md and connectwise-api.md describe it.
seed  is the user's description (system-api-seed.md) as the emulator has
      always served it, plus a few real routes that conflict with nothing.

A dialect is data: a route table, the error bodies for unknown routes and
methods, and a handful of switches the handlers read. Object shapes differ
too; the store builds them per dialect (data.py for seed, realdata.py).
"""

from .errors import ApiError
from .routes import real_routes, seed_routes
from .versions import check_version

# Audit trail types of the spec's enum (SPEC26 `type` query parameter).
REAL_AUDIT_TYPES = [
    "None", "Ticket", "Contact", "Company", "Opportunity", "Time",
    "Activity", "ProductCatalog", "ProjectTicket", "Purchasing",
    "Configuration", "Schedule", "Agreement", "AgreementAddition", "Project",
    "Invoice", "PurchaseOrder", "Expense", "ProductItem", "Survey", "Member",
    "PurchaseOrderLineItem", "Site"]


class Dialect:
    """Everything that differs between the dialects, besides object shapes.

    own_account_only  myAccount/{id} answers only the caller's own id
    token_status      status of POST members/{id}/tokens
    check_versions    refuse unsupported `Accept: ...; version=` values
    audit_types       accepted audit trail `type` values
    """

    def __init__(self, name, routes, *, own_account_only, token_status,
                 check_versions, audit_types):
        self.name = name
        self.routes = routes
        self.own_account_only = own_account_only
        self.token_status = token_status
        self.check_versions = check_versions
        self.audit_types = audit_types

    def resolve(self, method, segments, path=None):
        """The action for `method` on `segments`, or the dialect's error."""
        found = self.routes.find(segments)
        if found is None:
            raise self.unknown_endpoint(path)
        _, methods, captures = found
        action = methods.get(method)
        if action is None:
            raise self.method_not_allowed(method, methods)
        return action, captures

    def check_accept(self, accept, url):
        if self.check_versions:
            check_version(accept, url)


class RealDialect(Dialect):
    def unknown_endpoint(self, path=None):
        # Quoted from a live server's answer to GET /system/myAccount
        # (seed-vs-real.md); connectwise-api.md: every error body carries
        # "errors", null when there are none.
        return ApiError(404, "ConnectWiseApi", "The endpoint does not exist.")

    def method_not_allowed(self, method, methods):
        # The Developer Guide lists "405 wrong method"; its body is not
        # quoted anywhere, so we use the ConnectWiseApi shape of the 404.
        return ApiError(405, "ConnectWiseApi",
                        f"The requested resource does not support http "
                        f"method '{method}'.",
                        headers={"Allow": ", ".join(methods)})


class SeedDialect(Dialect):
    def unknown_endpoint(self, path=None):
        suffix = f": {path}" if path else "."
        return ApiError(404, "NotFound",
                        f"The requested resource was not found{suffix}")

    def method_not_allowed(self, method, methods):
        return ApiError(405, "MethodNotAllowed",
                        f"The requested resource does not support http "
                        f"method '{method}'.",
                        headers={"Allow": ", ".join(methods)})


REAL = RealDialect(
    "real", real_routes(), own_account_only=True,
    # The spec (2025.1 Go client) declares 200 + Token; a token has no URL
    # of its own, so there is no 201/Location to give.
    token_status=200, check_versions=True, audit_types=REAL_AUDIT_TYPES)

SEED = SeedDialect(
    "seed", seed_routes(), own_account_only=False, token_status=201,
    # The description says nothing about versions: Accept is not checked.
    check_versions=False, audit_types=REAL_AUDIT_TYPES + ["Callback"])

DIALECTS = {"real": REAL, "seed": SEED}


def get_dialect(name):
    try:
        return DIALECTS[str(name).lower()]
    except KeyError:
        raise ValueError(f"unknown dialect {name!r}; expected one of "
                         f"{sorted(DIALECTS)}") from None
