"""The main window: its widgets, actions, and the flows behind its menus."""
