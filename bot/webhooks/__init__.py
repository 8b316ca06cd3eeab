"""Incoming marketplace webhooks: verify, parse, store durably, then answer."""
