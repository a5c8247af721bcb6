"""sprintml: an event-sourced backend for agile AI/ML teams."""

__version__ = "0.1.0"
