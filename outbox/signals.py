from django.dispatch import Signal

# Sent after emails changed delivery state (accepted, delivered, deferred, bounced, complained,
# failed), once per batch of news: `emails` is a list of Delivery (pk, user_id, kind), `status`
# the new state. The recipients app flags a recipient whose welcome email bounced, and clears
# the flag when a later one goes through.
delivery_changed = Signal()
