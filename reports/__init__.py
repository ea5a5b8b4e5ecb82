"""Reports: the pydantic report, its JSON Schema, and renderers for the terminal, JSON and HTML."""
