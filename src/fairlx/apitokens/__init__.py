"""Personal API tokens: bearer credentials a user creates for scripts and integrations."""
