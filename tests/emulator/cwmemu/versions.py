"""The API version a client asks for in `Accept`, and which ones we serve.

Clients send `Accept: application/vnd.connectwise.com+json; version=2025.8`
or no version at all (then the latest models are served). ConnectWise keeps
serving a version for about 12 months after its release, then refuses it.
The refusal, as quoted in covenanttechnologysolutions/connectwise-rest#35:

    {"code":"ConnectWiseApi","message":"The HTTP resource that matches the
     request URI '<url>' does not support the API version '0.0'."}

Its HTTP status is not quoted anywhere; we answer 400 (what ASP.NET API
versioning sends for an unsupported version).
"""

from .errors import ApiError

CURRENT_API_VERSION = "2025.8"
# Served: 2025.1 ... 2025.8 (the release this emulator models and the seven
# before it). Everything else (2024.x, "3.0.0", future 2026.x) is refused.
ACCEPTED_API_VERSIONS = tuple(f"2025.{minor}" for minor in range(1, 9))
# What GET /system/info answers; PS derives "2025.8" from it.
INFO_VERSION = "v2025.8.102945"

MEDIA_TYPE = "application/vnd.connectwise.com+json"


def requested_version(accept):
    """The `version=` of the first ConnectWise media range, or None."""
    for media_range in (accept or "").split(","):
        kind, *params = (p.strip() for p in media_range.split(";"))
        if kind.lower() != MEDIA_TYPE:
            continue
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "version":
                return value.strip().strip('"')
    return None


def check_version(accept, url):
    """Raise ConnectWise's refusal when `accept` names a version we don't
    serve; a missing version is fine."""
    version = requested_version(accept)
    if version is None or version in ACCEPTED_API_VERSIONS:
        return
    raise ApiError(400, "ConnectWiseApi",
                   f"The HTTP resource that matches the request URI "
                   f"'{url}' does not support the API version "
                   f"'{version}'.")
