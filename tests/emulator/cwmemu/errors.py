"""The error type every layer raises; the HTTP layer serialises it."""


class ApiError(Exception):
    """An API failure with ConnectWise's error body shape.

    ConnectWise answers every failure with
    ``{"code": str, "message": str, "errors": [...] | null}``.
    """

    def __init__(self, status, code, message, errors=None, headers=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.headers = headers or {}

    def body(self):
        return {"code": self.code, "message": self.message,
                "errors": self.errors}


def bad_request(message, errors=None):
    return ApiError(400, "InvalidObject", message, errors)


def not_found(message):
    return ApiError(404, "NotFound", message)


def invalid_object(resource, errors):
    """400 for a failed validation, e.g. 'member object is invalid'."""
    return ApiError(400, "InvalidObject", f"{resource} object is invalid",
                    errors)


def field_error(code, message, resource, field):
    return {"code": code, "message": message, "resource": resource,
            "field": field}
