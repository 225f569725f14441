"""The run screens: Run, Progress, Batch jobs and Review panels, their controller, resume prompts."""
