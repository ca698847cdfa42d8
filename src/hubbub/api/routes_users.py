"""``GET /2/users``: the X API v2 users lookup, served from a ``UserDirectory``.

The enricher calls it with up to 100 ids at a time, exactly as it would call X.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from hubbub.api.responses import OrjsonResponse
from hubbub.models import User, UserDirectory

router = APIRouter(tags=["users"])
MAX_IDS = 100
DEFAULT_FIELDS = ("id", "name", "username")
USER_FIELDS = frozenset(User.model_fields)


def _invalid(parameter: str, values: list[str], message: str) -> OrjsonResponse:
    return OrjsonResponse(
        {
            "errors": [{"parameters": {parameter: values}, "message": message}],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": "https://api.twitter.com/2/problems/invalid-request",
        },
        status_code=400,
    )


def _not_found(user_id: str) -> dict[str, str]:
    return {
        "value": user_id,
        "detail": f"Could not find user with ids: [{user_id}].",
        "title": "Not Found Error",
        "resource_type": "user",
        "parameter": "ids",
        "resource_id": user_id,
        "type": "https://api.twitter.com/2/problems/resource-not-found",
    }


def _user_json(user: User, fields: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in fields:
        value = getattr(user, name)
        if value is None:
            continue
        if name == "created_at":
            value = value.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        out[name] = value
    return out


@router.get(
    "/2/users",
    summary="Users lookup (X API v2 shape)",
    response_class=OrjsonResponse,
    responses={400: {"description": "Invalid request"}, 503: {"description": "No directory"}},
)
def users_lookup(
    request: Request,
    ids: Annotated[str | None, Query(description="comma-separated user ids, 1..100")] = None,
    user_fields: Annotated[
        str | None,
        Query(
            alias="user.fields",
            description="extra fields: location, verified, profile_image_url, description, "
            "created_at (id, name, username are always returned)",
        ),
    ] = None,
) -> OrjsonResponse:
    directory: UserDirectory | None = request.app.state.users
    if directory is None:
        return OrjsonResponse(
            {"title": "Service Unavailable", "detail": "no user directory is configured"},
            status_code=503,
        )
    wanted = [i.strip() for i in (ids or "").split(",") if i.strip()]
    if not wanted:
        return _invalid("ids", [ids or ""], "The `ids` query parameter can not be empty")
    if len(wanted) > MAX_IDS:
        return _invalid(
            "ids",
            [ids or ""],
            f"The number of values in the `ids` query parameter list [{len(wanted)}] "
            f"is not between 1 and {MAX_IDS}",
        )
    extra = [f.strip() for f in (user_fields or "").split(",") if f.strip()]
    unknown = [f for f in extra if f not in USER_FIELDS]
    if unknown:
        return _invalid(
            "user.fields",
            unknown,
            f"The `user.fields` query parameter value [{unknown[0]}] is not one of "
            f"{sorted(USER_FIELDS)}",
        )
    fields = DEFAULT_FIELDS + tuple(f for f in dict.fromkeys(extra) if f not in DEFAULT_FIELDS)
    found = {u.id: u for u in directory.get_users(list(dict.fromkeys(wanted)))}
    body: dict[str, Any] = {}
    data = [_user_json(found[i], fields) for i in dict.fromkeys(wanted) if i in found]
    if data:
        body["data"] = data
    missing = [i for i in dict.fromkeys(wanted) if i not in found]
    if missing:
        body["errors"] = [_not_found(i) for i in missing]
    return OrjsonResponse(body)
