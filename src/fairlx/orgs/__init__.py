"""Organizations: the tenant of ORG accounts, its members and roles, departments, permission grants and
the org audit log."""
