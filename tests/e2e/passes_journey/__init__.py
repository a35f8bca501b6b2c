"""In a real browser, what a social worker does with households, passes and cards.

`test_journey`: register a household, record the assessment, issue a pass, print the
card and send it to a phone, replace a lost card; the other actions on a pass; a
refusal shown next to its field; the card in the household's language.
`test_households`: search as you type; what another partner and a volunteer may not
open. `test_conventions`: the coordination amending a convention's rules.
"""
