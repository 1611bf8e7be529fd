"""Spaces: groups of projects inside a workspace, public or private, with their own members and roles."""
