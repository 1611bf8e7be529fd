"""Projects: boards inside a workspace (optionally in a space and a program), their settings, members,
roles (four defaults plus custom ones), teams and direct permission grants."""
