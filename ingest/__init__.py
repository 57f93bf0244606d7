"""Files → sections → chunks → index."""
