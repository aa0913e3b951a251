"""What providers tell the apps built on them, which they do not import.

`demo_seeded(sender=Command, password=..., created=[...], notes=[...])`: `seed_demo` made (or
found) the demo organization, locations and users, inside its transaction. Apps above add
their own demo data (the recipient portal: its vaccine groups and products, a demo recipient),
append what they created to `created` ("vaccine group 3", printed as "created ...") and a
line for the developer to `notes`.
"""

from django.dispatch import Signal

demo_seeded = Signal()
