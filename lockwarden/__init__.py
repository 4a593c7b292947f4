"""Lockwarden: police-supervised locksmith services (field kit, hub, police export)."""

# The one place the release number lives: pyproject.toml reads it (setuptools dynamic version) and
# `lockwarden --version` prints it with the installed distribution's metadata.
__version__ = "0.1.0"
