"""The dead-letter sink: nothing invalid is dropped silently; reason and raw bytes are kept."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

from hubbub.metrics import DEAD_LETTERS
from hubbub.models import DeadLetter
from hubbub.store.base import Store
from hubbub.stream.validate import reason_kind

log = logging.getLogger(__name__)


class DeadLetterSink:
    """Writes dead letters to the store's dead-letter table and counts them by stage and reason."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self.count = 0

    def send(self, letters: Sequence[DeadLetter]) -> None:
        if not letters:
            return
        with self._lock:
            self._store.write_dead_letters(letters)
            self.count += len(letters)
        for letter in letters:
            DEAD_LETTERS.labels(stage=letter.stage, reason=reason_kind(letter.reason)).inc()
        log.info("dead-lettered %d message(s), e.g. %s", len(letters), letters[0].reason)
