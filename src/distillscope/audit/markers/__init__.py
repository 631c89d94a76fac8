"""The style profile: the reference's over-used words and layout, and who else uses them."""
