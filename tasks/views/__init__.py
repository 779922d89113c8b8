"""Views by topic. Each starts by asking tasks.access whether the user may touch the object."""
