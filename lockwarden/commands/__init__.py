"""One module per `lockwarden` subcommand (or family of subcommands); see `lockwarden.cli`."""
