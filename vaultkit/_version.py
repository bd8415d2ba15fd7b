"""Versions that decide when an index must be rebuilt or re-parsed.

Kept apart from :mod:`vaultkit.parse` so that checking them does not import the parser
(and YAML) on every command.
"""

# Bump when parse_note's output changes for some input: every note is parsed again.
PARSER_VERSION = 15
