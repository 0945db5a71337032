"""The transactional store: users and the audit log (issue 8), task dispatch next (issue 7)."""
