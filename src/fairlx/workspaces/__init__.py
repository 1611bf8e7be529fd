"""Workspaces: the main tenant container (personal or organization-owned), its members, invite codes
and email invitations, feature toggles and UI mode."""
