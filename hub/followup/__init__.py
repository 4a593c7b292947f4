"""R-13: the follow-up after a job: task, contact through a channel, outcome and rating, quality score."""
