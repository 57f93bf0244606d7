"""Browser chat, API and command line."""
