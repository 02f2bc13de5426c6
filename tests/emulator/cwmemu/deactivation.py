"""POST /system/members/{id}/deactivate: the MemberDeactivation body.

The body names who inherits the member's work (model_member_deactivation.go
in the 2025.1 Go client): up to 23 MemberDeactivationItem properties, each
`{"count": int, "reAssignToMember": MemberReference}`, two arrays
(companyTeam, serviceStatusWorkflow) whose items also carry
reAssignToMember, and deleteOpenTimeSheetsFlag.

What the real server checks is unverified. We choose:
  * the body must be a JSON object naming at least one inheritor;
  * every reAssignToMember must name ({"id": n} or {"identifier": s}) an
    existing, active member other than the one being deactivated;
  * unknown properties are ignored (as the .NET deserialiser does).
Failures are 400 InvalidObject "memberDeactivation object is invalid" with
one errors[] item per problem. The answer is 200 with the body echoed,
references expanded (the spec's response type is MemberDeactivation).
"""

import copy

from .errors import bad_request, field_error, invalid_object

ITEM_FIELDS = [
    "activity", "serviceTeam", "workflowEmail", "ticketTemplate",
    "opportunity", "salesTeam", "projectManager", "projectTimeApprover",
    "projectExpenseApprover", "knowledgeBaseArticle", "myCompanyPresident",
    "myCompanyCOO", "myCompanyController", "myCompanyDispatch",
    "myCompanyServiceManager", "myCompanyDutyManagerRole",
    "departmentManager", "dispatchMember", "serviceManager", "dutyManager",
    "sendFromEmailNotify",
]
LIST_FIELDS = ["companyTeam", "serviceStatusWorkflow"]
RESOURCE = "memberDeactivation"


def validate(body, member_id, find_member, make_ref):
    """The normalised body, or raise 400.

    find_member(ref_dict) -> member or None; make_ref(member) -> reference.
    """
    if not isinstance(body, dict):
        raise bad_request("The request body must be a MemberDeactivation "
                          'JSON object, e.g. {"activity": {"reAssignTo'
                          'Member": {"id": 1}}}.')
    errors, out, named = [], {}, 0

    def check_item(field, item):
        nonlocal named
        if not isinstance(item, dict):
            errors.append(_error("InvalidField", f"{field} must be an "
                                 "object with reAssignToMember.", field))
            return None
        target = item.get("reAssignToMember")
        if not isinstance(target, dict):
            errors.append(_error("NullOrEmpty", f"{field}.reAssignToMember "
                                 "is required.", field))
            return None
        member = find_member(target)
        problem = _target_problem(member, member_id)
        if problem:
            errors.append(_error("InvalidReference", f"{field}."
                                 f"reAssignToMember {problem}.", field))
            return None
        named += 1
        item = copy.deepcopy(item)
        item["reAssignToMember"] = make_ref(member)
        return item

    for field in ITEM_FIELDS:
        if body.get(field) is not None:
            out[field] = check_item(field, body[field])
    for field in LIST_FIELDS:
        items = body.get(field)
        if items is None:
            continue
        if not isinstance(items, list):
            errors.append(_error("InvalidField", f"{field} must be an "
                                 "array.", field))
            continue
        out[field] = [check_item(field, item) for item in items]
    flag = body.get("deleteOpenTimeSheetsFlag")
    if flag is not None and not isinstance(flag, bool):
        errors.append(_error("InvalidField", "deleteOpenTimeSheetsFlag must "
                             "be true or false.", "deleteOpenTimeSheetsFlag"))
    if not errors and not named:
        errors.append(_error("NullOrEmpty", "Name the member who inherits "
                             "the deactivated member's work, e.g. activity."
                             "reAssignToMember.", "reAssignToMember"))
    if errors:
        raise invalid_object(RESOURCE, errors)
    out["deleteOpenTimeSheetsFlag"] = bool(flag)
    return out


def _target_problem(member, member_id):
    if member is None:
        return "does not name an existing member"
    if member["id"] == member_id:
        return "cannot be the member being deactivated"
    if member.get("inactiveFlag"):
        return f"names inactive member {member.get('identifier')}"
    return None


def _error(code, message, field):
    return field_error(code, message, RESOURCE, field)
