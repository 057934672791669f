"""Data layer: SQLAlchemy 2.0 models, the engine and session scope, and Alembic migrations."""
