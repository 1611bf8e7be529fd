"""Sign-in with Google (OpenID Connect) and GitHub: the authorization code flow with PKCE, and the
identities it links to accounts."""
