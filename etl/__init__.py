"""The ETL: bureau exports in, an atomically published DuckDB warehouse out."""
