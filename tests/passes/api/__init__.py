"""The passes API: households, assessments, passes, cards and keys, for each persona."""
