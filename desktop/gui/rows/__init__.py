"""The rows screen: the table of scenarios, its detail pane and the change preview."""
