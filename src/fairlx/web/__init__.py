"""The web shell: page layout, shared templates and macros, static assets and the design system."""
