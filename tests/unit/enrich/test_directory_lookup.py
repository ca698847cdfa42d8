"""DirectoryLookup: the enricher's lookup interface over any UserDirectory."""

from hubbub.enrich.directory_lookup import DirectoryLookup
from hubbub.models import User


class TwoUsers:
    def get_users(self, ids):
        known = {"a": User(id="a", username="ana"), "b": User(id="b", username="bo")}
        return [known[i] for i in ids if i in known]


def test_found_users_and_the_rest_not_found():
    result = DirectoryLookup(TwoUsers()).lookup(["a", "zz", "b", "a"])
    assert set(result.users) == {"a", "b"}
    assert result.users["b"].username == "bo"
    assert result.not_found == {"zz"}
    assert result.failed == set()
