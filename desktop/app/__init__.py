"""Use cases shared by the command line and the desktop app: Qt-free steps that front-ends call."""
