"""JSON Patch the way ConnectWise applies it to an object.

ConnectWise accepts `[{"op": "replace", "path": "title", "value": ...}]`
with ops add/replace/remove. Paths are case-sensitive camelCase field
names, with or without a leading "/", and may walk into nested objects
(`department/id`). A path naming an unknown field fails like the real
server's "path Source is not valid". `remove` on a top-level field resets it
to null: fields never disappear from ConnectWise objects.
"""

import copy

from .errors import ApiError, bad_request

ALWAYS_READ_ONLY = ("id", "_info")


def _path_error(path, message=None):
    return ApiError(400, "InvalidObject", "operations object is invalid", [{
        "code": "InvalidField",
        "message": message or f"path {path} is not valid",
        "resource": "operations",
        "field": "path",
    }])


def apply_patch(obj, operations, top_level_fields, read_only=()):
    """Return a patched deep copy of obj; obj itself is never modified.

    `top_level_fields` are the valid (case-sensitive) first path steps;
    `read_only` names server-managed fields besides id and _info.
    """
    if not isinstance(operations, list):
        raise bad_request("The PATCH body must be a JSON array of patch "
                          'operations, e.g. [{"op":"replace","path":"title",'
                          '"value":"New"}].')
    result = copy.deepcopy(obj)
    for index, operation in enumerate(operations):
        if not isinstance(operation, dict):
            raise bad_request(f"Patch operation {index} is not an object.")
        op = str(operation.get("op", "")).lower()
        path = operation.get("path")
        if op not in ("add", "replace", "remove"):
            raise bad_request(f"Patch operation {index} has op "
                              f"{operation.get('op')!r}; expected add, "
                              "replace or remove.")
        if not isinstance(path, str) or not path.strip("/"):
            raise bad_request(f"Patch operation {index} needs a 'path'.")
        if op != "remove" and "value" not in operation:
            raise bad_request(f"Patch operation {index} ({op} {path}) needs "
                              "a 'value'.")
        steps = path.strip().lstrip("/").split("/")
        if steps[0] not in top_level_fields:
            raise _path_error(steps[0])
        if steps[0] in ALWAYS_READ_ONLY or steps[0] in read_only:
            raise _path_error(steps[0], f"The field {steps[0]} cannot be "
                              "changed.")
        _apply_one(result, op, steps, operation.get("value"), path)
    return result


def _apply_one(target, op, steps, value, path):
    parent = target
    for step in steps[:-1]:
        child = _child(parent, step)
        if child is None and op == "add" and isinstance(parent, dict):
            child = parent[step] = {}  # `add` creates the missing object
        if not isinstance(child, (dict, list)):
            raise _path_error(path)
        parent = child
    last = steps[-1]
    if isinstance(parent, list):
        _apply_to_list(parent, op, last, value, path)
    elif parent is target:
        # Top-level fields always exist; removing one resets it to null.
        parent[last] = None if op == "remove" else copy.deepcopy(value)
    elif op == "remove":
        if last not in parent:
            raise _path_error(path)
        del parent[last]
    else:
        if op == "replace" and last not in parent:
            raise _path_error(path)
        parent[last] = copy.deepcopy(value)


def _child(parent, step):
    if isinstance(parent, dict):
        return parent.get(step)
    if isinstance(parent, list) and step.isdigit() and \
            int(step) < len(parent):
        return parent[int(step)]
    return None


def _apply_to_list(items, op, step, value, path):
    if op == "add" and step == "-":
        items.append(copy.deepcopy(value))
        return
    if not step.isdigit():
        raise _path_error(path)
    index = int(step)
    limit = len(items) + (1 if op == "add" else 0)
    if index >= limit:
        raise _path_error(path)
    if op == "add":
        items.insert(index, copy.deepcopy(value))
    elif op == "replace":
        items[index] = copy.deepcopy(value)
    else:
        del items[index]
