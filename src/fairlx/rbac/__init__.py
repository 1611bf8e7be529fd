"""Authorization: the permission catalogue, each actor's resolved access per workspace and organization
(cached under versioned keys), and `authorize`, the one way a route decides access."""
