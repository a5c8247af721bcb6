"""The pure domain: commands, events, state, decide and evolve. Imports only stdlib and msgspec."""
