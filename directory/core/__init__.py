"""The pure core: plain functions over plain data. Imports neither Flask nor SQLAlchemy."""
