"""Rasa input channels of this project (they run in the Rasa environment, never in the actions one)."""
