"""Reports from the audit logs (DuckDB over a Parquet copy): a state's own, the public
one with small counts suppressed, and a resident's access report."""
