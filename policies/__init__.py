"""Rasa's side of the dialogue: the one policy (policies/turn.py)."""
