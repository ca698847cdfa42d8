"""Request dependencies: the store, and the filters every data endpoint accepts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.exceptions import RequestValidationError

from hubbub.store.base import Filters, Store

TZ_HINT = "add 'Z' or an offset, e.g. 2022-12-18T15:00:00Z"


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _error(name: str, msg: str, value: Any) -> RequestValidationError:
    return RequestValidationError(
        [{"type": "value_error", "loc": ("query", name), "msg": msg, "input": str(value)}]
    )


def get_filters(
    since: Annotated[
        datetime | None,
        Query(description=f"posts created at or after this time (ISO 8601; {TZ_HINT})"),
    ] = None,
    until: Annotated[
        datetime | None,
        Query(description="posts created before this time (exclusive; ISO 8601 with offset)"),
    ] = None,
    country: Annotated[
        str | None,
        Query(pattern=r"^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2 code, e.g. AR"),
    ] = None,
    team: Annotated[str | None, Query(max_length=64, description="a World Cup team")] = None,
    keyword: Annotated[
        str | None, Query(max_length=100, description="a keyword or hashtag (without #)")
    ] = None,
    lang: Annotated[str | None, Query(max_length=16, description="language code, e.g. en")] = None,
) -> Filters:
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            raise _error(name, f"'{name}' has no time zone: {TZ_HINT}", value)
    if since is not None and until is not None and since >= until:
        raise _error("until", "'since' must be before 'until'", until)
    return Filters(
        since=since,
        until=until,
        country=country.upper() if country else None,
        team=team or None,
        keyword=keyword or None,
        lang=lang or None,
    )


StoreDep = Annotated[Store, Depends(get_store)]
FiltersDep = Annotated[Filters, Depends(get_filters)]
