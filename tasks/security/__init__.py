"""Accounts and sessions for 等保 2.0: password rules, lockout hooks, session time-outs, 三员分立."""
