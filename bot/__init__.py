"""Conversation core and its adapters: Telegram, terminal, command line."""
