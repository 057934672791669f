"""The trader's own strategy files (uploaded through the UI; git-ignored except this package's
``__init__.py``, ``README.md`` and ``.gitignore``)."""
