"""The users-lookup interface over any ``UserDirectory`` (e.g. Bluesky's profile API)."""

from __future__ import annotations

from collections.abc import Iterable

from hubbub.enrich.users import LookupResult
from hubbub.models import UserDirectory


class DirectoryLookup:
    """The lookup interface over any ``UserDirectory`` (e.g. Bluesky's profile API): ids the
    directory does not return are reported as not found."""

    def __init__(self, directory: UserDirectory) -> None:
        self.directory = directory

    def lookup(self, ids: Iterable[str]) -> LookupResult:
        wanted = list(dict.fromkeys(ids))
        users = {u.id: u for u in self.directory.get_users(wanted)}
        return LookupResult(users=users, not_found=set(wanted) - set(users), failed=set())

    def close(self) -> None:
        close = getattr(self.directory, "close", None)
        if close is not None:
            close()
