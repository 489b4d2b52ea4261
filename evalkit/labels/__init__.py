"""evalkit.labels: human labels over run transcripts, at the level of runs and the judge.

The label model and its loader live in `evalkit.spec.labels` (users author labels);
this package adds what needs transcripts and run directories: checking labels
against the transcripts they cite (`check`), drawing trials to label from a run
(`sample`), the terminal labeller (`edit`) and the `evalkit labels` commands.
Modules are imported where used, so `evalkit validate` stays light.
"""
