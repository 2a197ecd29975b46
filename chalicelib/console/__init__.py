"""The staff console: server-rendered pages over the same services the JSON API calls.

browser -> routes (a Chalice blueprint: session from a signed cookie, CSRF on every form)
        -> services().workflow (board, get, trail, record) -> pages (the results in words) -> Jinja2 templates
Sign-in goes through an identity provider (identity.py: the staff token form today); sessions and CSRF tokens are
session.py's; the console's own words are texts.py's; actions.py says which staff events each page offers.
"""
