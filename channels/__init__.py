"""Rasa input channels of this project (they run in the Rasa environment, never in the actions one).

Importing the package also makes Rasa's check of action server replies build its validator once
(channels/action_validation.py): Rasa imports it at start, since credentials.yml names these channels.
"""

from channels.action_validation import install

install()
