"""Rasa custom actions: thin glue between the dialogue and the matching core in `bot`.

Rasa calls one action per user message, `action_turn` (actions/turn.py): it reads the message with `bot.nlp`
(`dialogue.ReadMessage`), asks the next question that `bot.matching` says would settle the most trials, or
answers; the replies never say someone is eligible.

No module here logs message text or profile values.
"""


def warm_up() -> None:
    """Load the catalogue and the spaCy pipeline when the action server starts, not at the first message."""
    from actions.catalog import catalogue
    from bot import collector
    from bot.nlp import extract

    catalogue()
    extract("warm up: on hydroxyurea since March 2024")  # dateparser loads its data at the first date
    extract("sous hydroxyurée depuis mars 2024", lang="fr")  # each language's pipeline is built at its first use
    extract("hydroxyurea sinds maart 2024", lang="nl")
    collector.settle()


warm_up()
