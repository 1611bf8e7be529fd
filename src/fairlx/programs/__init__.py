"""Programs: portfolios of projects in a workspace, with members and milestones."""
