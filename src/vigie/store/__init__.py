"""The store: SQLAlchemy Core tables, engines for SQLite and PostgreSQL, Alembic migrations."""
