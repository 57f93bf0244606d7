"""Question → retrieved passages → answer with citations."""
