"""Reference catalogues (sources of `kind: reference`): confirm records, flag disagreements.

`catalogue` reads a catalogue's bytes into `ReferenceEntry`s (pure), `compare` cross-checks
stored records against entries (pure), and `stage` runs the check in a cycle: confirmations
and disagreements are stored, and each new disagreement raises one operator warning. A
reference never creates records and never alerts a team.
"""
