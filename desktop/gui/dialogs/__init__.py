"""Dialogs: settings, about, first-start welcome."""
