"""Rasa-side tracker stores (loaded by the Rasa server from endpoints.yml, never imported by `bot`)."""
