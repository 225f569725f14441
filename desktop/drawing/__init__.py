"""Pictures drawn with QtGui alone (no widgets): usable from the GUI and from a headless command."""
