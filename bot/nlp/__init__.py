"""Clinical NLP: free text to patient facts, with clause-bounded negation."""

from bot.nlp.extract import Extraction, extract

__all__ = ["Extraction", "extract"]
