"""Rasa input channels of this project (they run in the Rasa environment, never in the actions one).

Importing the package also makes Rasa's check of action server replies cheaper (channels/action_validation.py)
and bounds how long Rasa waits for the action server (channels/action_timeout.py): Rasa imports it at start, since
credentials.yml names these channels.
"""

from channels import action_timeout, action_validation

action_validation.install()
action_timeout.install()
