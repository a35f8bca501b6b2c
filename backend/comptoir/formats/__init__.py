"""Date and time formats per language (FORMAT_MODULE_PATH): day first, 24-hour clock.

Each module sets only the dates and times; numbers keep Django's formats of the
language. Whatever is not set here falls back to Django's own module.
"""
