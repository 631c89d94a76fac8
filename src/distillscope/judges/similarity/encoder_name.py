"""The sentence encoder that every embedding signal uses unless told otherwise.

A module of its own so that settings and flags can name it without loading the encoder's numpy.
"""

DEFAULT_EMBEDDING_MODEL = "all-MiniLM-L6-v2"
