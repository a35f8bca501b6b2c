"""The social shop: catalogue, lots, stock ledger, baskets and sales (to come)."""
