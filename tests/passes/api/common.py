"""What several modules of the passes API tests send or ask."""

NEW_HOUSEHOLD = {
    "first_name": "Amina",
    "last_name": "El Idrissi",
    "birth_year": 1988,
    "postal_code": "5000",
    "commune": "Namur",
    "language": "fr",
    "legal_basis": "consent",
    "legal_basis_recorded_on": "2026-03-01",
    "members": [{"age_band": "3-15", "sex": "f"}, {"age_band": "0-2", "sex": "m"}],
}

OUTSIDERS = ["volunteer_s", "manager_s", "coordinator"]
