"""The demo network of Namur: what it holds (`data`, `households`), how it is loaded
(`load`, through `organisations` and `stories`), the counter open at any hour
(`open_counter`) and what `manage.py demo_load` prints (`report`)."""
