"""The REST API at /api/v1/ (README, "Integration"): a thin layer over the same selectors, services and gate
(tasks.access) as the web pages. `problems` turns every error into RFC 9457 problem details; `schema` documents
them; `pagination` pages large lists by cursor; `serializers` shape objects; `views` check access and call
selectors and services; `urls` maps them.
"""
