"""The `user_browser` probe: the user's own browsers and profiles, read without changing them."""
