"""Validation at the topic boundary: raw messages become Posts or dead letters with a reason."""

from __future__ import annotations

from pydantic import ValidationError

from hubbub.models import DeadLetter, Post

MAX_MESSAGE_BYTES = 64 * 1024


def _describe(error: ValidationError) -> str:
    parts = []
    for e in error.errors()[:5]:
        where = ".".join(str(x) for x in e["loc"]) or "message"
        parts.append(f"{where}: {e['msg']}")
    return "invalid post: " + "; ".join(parts)


def validate_message(
    raw: bytes | str | Post, *, stage: str = "enrich", offset: int | None = None
) -> Post | DeadLetter:
    """A ``Post`` if ``raw`` is a valid post (JSON of the topic schema), else a ``DeadLetter``."""
    if isinstance(raw, Post):
        return raw
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    if len(raw) > MAX_MESSAGE_BYTES:
        return DeadLetter(
            stage=stage,
            reason=f"oversized: {len(raw)} bytes > {MAX_MESSAGE_BYTES}",
            raw=text[:MAX_MESSAGE_BYTES],
            offset=offset,
        )
    try:
        return Post.model_validate_json(raw)
    except ValidationError as exc:
        kinds = {e["type"] for e in exc.errors()}
        reason = "malformed json" if "json_invalid" in kinds else _describe(exc)
        return DeadLetter(stage=stage, reason=reason, raw=text, offset=offset)


def reason_kind(reason: str) -> str:
    """A low-cardinality label for metrics (``invalid post: text: …`` → ``invalid post``)."""
    return reason.split(":", 1)[0]
