"""Shared text helpers: page text, maintenance wording and windows, dates, the portal's account messages."""
