"""Sources of posts: the World Cup simulator, file replay and (elsewhere) live APIs.

Each source implements :class:`hubbub.sources.base.Source` and yields
:class:`hubbub.sources.base.SourceBatch` es of posts (and dead letters).
"""

from hubbub.sources.base import Source, SourceBatch, paced

__all__ = ["Source", "SourceBatch", "paced"]
