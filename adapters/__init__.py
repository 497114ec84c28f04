"""What runs at each partner organisation: signing client, sealing, tokens, and the ``signaal`` CLI."""
