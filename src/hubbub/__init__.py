"""hubbub: what are people saying, where, and how do they feel about it?"""

__version__ = "0.1.0"
