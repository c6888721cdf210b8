"""Plain-Python matching core of the trial assistant; knows nothing about Rasa."""
