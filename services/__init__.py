"""Business operations shared by the screens, the JSON API, CSV import and the CLI."""
