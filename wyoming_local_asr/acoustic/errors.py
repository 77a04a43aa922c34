"""The one exception type the model package raises for unusable model files."""

from __future__ import annotations


class ModelError(Exception):
    """A model file is missing, corrupted or does not fit; the message is one line for the user."""
