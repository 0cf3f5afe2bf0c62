"""Text chat channel over HTTP."""
